// @ts-check
// Small helpers for building pages: elements, labels in Chinese, numbers that say "—" when
// nothing was measured.

/**
 * @param {string} tag e.g. "a.card.warn"
 * @param {Record<string, any> | null} [attrs]
 * @param {...any} children
 */
export function h(tag, attrs, ...children) {
  const [name, ...classes] = tag.split(".");
  const el = document.createElement(name);
  if (classes.length) el.className = classes.join(" ");
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export const STATUS = {
  fixed_on_spot: "当场整改", open: "待交办", assigned: "整改中", completion_claimed: "待核验",
  closed: "已销号", decided: "已议定",
};
export const CATEGORY = {
  income: "收入", education: "教育", medical: "医疗", housing: "住房", drinking_water: "饮水",
  policy_not_enjoyed: "政策未享受", satisfaction: "满意度", cadre_work_style: "干部作风", archive: "档案", other: "其他",
};
export const SOURCE = {
  visit: "入户走访", cross_check: "交叉抽查", phone_check: "电话抽查", dept_screening: "部门筛查",
  supervision: "部门督查", unannounced: "领导暗访", interview: "访谈", meeting: "会议",
};
export const CLASS = { small: "小问题", large: "大问题", special: "特殊问题" };
/** Whether a list or archive came in by its day; `not_owed`: due before the town went live. */
export const TIMELINESS = {
  on_time: "按时报送", late: "逾期报送", pending: "待报送", missing: "逾期未报", not_owed: "上线前，无需报送",
};
/** The current month in Beijing time, `YYYY-MM`. */
export function thisMonth() {
  return new Intl.DateTimeFormat("sv-SE", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit" }).format(new Date());
}
export const ACTION = {
  assign: "交办", report_progress: "报告进展", claim_completion: "申请销号", verify: "核验通过",
  send_back: "退回整改", hand_to_discipline: "移交镇纪委", decide: "记录党委议定", reopen: "重新打开",
  found: "发现",
};
export const ROLE = {
  rro_staff: "乡村振兴办", leader: "镇主要领导", deputy_mayor: "分管副镇长", discipline: "镇纪委",
  dept_staff: "部门人员", info_officer: "信息员", archive_clerk: "资料专员", call_taker: "电话抽查员",
  village_secretary: "村支书", work_team_leader: "驻村工作队长", cadre: "驻村包社干部", admin: "系统管理员",
};

/** @param {number | null | undefined} ratio 0..1 */
export const percent = (ratio) => (ratio === null || ratio === undefined ? "—" : `${(ratio * 100).toFixed(1)}%`);
/** @param {number | null | undefined} p already in percent */
export const pct = (p) => (p === null || p === undefined ? "—" : `${Number(p).toFixed(1)}%`);
export const date = (iso) => (iso ? new Date(iso).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false }) : "—");
export const day = (iso) => (iso ? String(iso).slice(0, 10) : "—");

export function toast(text) {
  const t = /** @type {HTMLElement} */ (document.getElementById("toast"));
  t.textContent = text;
  t.hidden = false;
  clearTimeout(/** @type {any} */ (t).timer);
  /** @type {any} */ (t).timer = setTimeout(() => (t.hidden = true), 4000);
}

/** The API's message and, field by field, what to fix. */
export function errorBox(e) {
  return h("div.error", { role: "alert" }, e.message, e.errors?.length ? h("ul", null, e.errors.map((x) => h("li", null, x.message))) : null);
}

/** A client id for a write a user may repeat (crypto.randomUUID needs https; offices may use http). */
export function uuid() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, "0")).join("");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
