// @ts-check
// The rectification ledger: filters kept in the address, pages, and the export of what is shown.
import { call, get } from "../api.js";
import { CATEGORY, CLASS, SOURCE, STATUS, day, errorBox, h, toast } from "../ui.js";

const FILTERS = ["village_id", "status", "class", "source", "category", "overdue", "active", "handed_over", "month"];

function select(name, label, options, value) {
  return h(
    "label",
    null,
    label,
    h("select", { name }, h("option", { value: "" }, "全部"), Object.entries(options).map(([k, v]) => h("option", { value: k, selected: k === value }, v))),
  );
}

export async function show(app, { params, go }) {
  const villages = await get("/villages").catch(() => []);
  const villageNames = Object.fromEntries((Array.isArray(villages) ? villages : villages.items || []).map((v) => [v.id, v.name]));
  const query = new URLSearchParams();
  for (const k of FILTERS) if (params.get(k)) query.set(k, /** @type {string} */ (params.get(k)));
  const page = Number(params.get("page") || 1);
  query.set("page", String(page));
  query.set("per_page", "20");
  const form = h(
    "form.filters",
    {
      onsubmit: (ev) => {
        ev.preventDefault();
        const next = new URLSearchParams();
        for (const [k, v] of new FormData(/** @type {HTMLFormElement} */ (ev.target))) if (v) next.set(k, String(v));
        go(`/console/ledger?${next}`);
      },
    },
    select("village_id", "村", villageNames, params.get("village_id")),
    select("status", "状态", STATUS, params.get("status")),
    select("class", "类别", CLASS, params.get("class")),
    select("source", "来源", SOURCE, params.get("source")),
    select("category", "问题类型", CATEGORY, params.get("category")),
    select("overdue", "逾期", { true: "仅逾期" }, params.get("overdue")),
    select("active", "整改中", { true: "仅整改中" }, params.get("active")),
    h("label", null, "发现月份", h("input", { name: "month", type: "month", value: params.get("month") || "" })),
    h("button.primary", { type: "submit" }, "筛选"),
    h("button", { type: "button", onclick: () => exportXlsx(query) }, "导出 Excel"),
  );
  app.replaceChildren(h("h1", null, "整改台账"), form, h("p.loading", null, "正在加载…"));
  let result;
  try {
    result = await get(`/problems?${query}`);
  } catch (e) {
    app.replaceChildren(h("h1", null, "整改台账"), form, errorBox(e));
    return;
  }
  const rows = result.items.map((p) =>
    h(
      "tr",
      null,
      h("td", null, h("a", { href: `/console/problem/${p.id}` }, p.description)),
      h("td", null, p.village_name, p.group_name ? ` ${p.group_name}` : ""),
      h("td", null, STATUS[p.status] || p.status, p.overdue ? [" ", h("span.tag.overdue", null, "逾期")] : null, p.handed_over_at ? [" ", h("span.tag", null, "已移交纪委")] : null),
      h("td", null, CATEGORY[p.category] || p.category),
      h("td", null, SOURCE[p.source] || p.source),
      h("td", null, p.class ? CLASS[p.class] : "—"),
      h("td", null, day(p.deadline)),
      h("td", null, day(p.found_at)),
    ),
  );
  const pages = Math.max(1, Math.ceil(result.total / 20));
  const at = (n) => {
    const q = new URLSearchParams(params);
    q.set("page", String(n));
    return `/console/ledger?${q}`;
  };
  app.replaceChildren(
    h("h1", null, "整改台账"),
    form,
    rows.length
      ? h(
          "table.wide",
          null,
          h("thead", null, h("tr", null, ["问题", "村", "状态", "类型", "来源", "类别", "整改期限", "发现日期"].map((t) => h("th", null, t)))),
          h("tbody", null, rows),
        )
      : h("p.empty", null, "没有符合条件的问题。"),
    h(
      "div.pager",
      null,
      `共 ${result.total} 条，第 ${page}/${pages} 页`,
      page > 1 ? h("a", { href: at(page - 1) }, "上一页") : null,
      page < pages ? h("a", { href: at(page + 1) }, "下一页") : null,
    ),
  );
}

async function exportXlsx(query) {
  const q = new URLSearchParams(query);
  q.delete("page");
  q.delete("per_page");
  toast("正在导出…");
  try {
    const blob = await call("GET", `/problems/export?${q}`);
    const a = h("a", { href: URL.createObjectURL(blob), download: "整改台账.xlsx" });
    document.body.append(a);
    a.click();
    a.remove();
    toast("导出完成");
  } catch (e) {
    toast(e.message);
  }
}
