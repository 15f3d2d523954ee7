// @ts-check
// "1+N" archive materials (档案资料), due monthly by the 25th: a department's clerk uploads its
// files; the town office sees which departments are on time, late or missing.
import { call, get } from "../api.js";
import { TIMELINESS, date, errorBox, h, thisMonth, toast } from "../ui.js";

const REVIEW = { pending: "待审核", accepted: "已通过", returned: "已退回" };

export async function show(app, { params, go }) {
  const month = params.get("month") || thisMonth();
  const me = await get("/me");
  const departments = me.grants.filter((g) => g.scope_kind === "department").map((g) => g.scope_id);
  const department = params.get("department_id") || departments[0] || null;
  const picker = h(
    "form.filters",
    {
      onsubmit: (ev) => {
        ev.preventDefault();
        const m = /** @type {HTMLInputElement} */ (ev.target.elements.month).value;
        go(`/console/archives?${new URLSearchParams({ ...(department ? { department_id: department } : {}), month: m })}`);
      },
    },
    h("label", null, "月份", h("input", { name: "month", type: "month", value: month })),
    h("button", { type: "submit" }, "查看"),
  );
  if (!department) return summary(app, picker, month);
  const submissions = await get(`/archives?${new URLSearchParams({ month, department_id: department })}`);
  const files = h("input", { type: "file", name: "file", multiple: true, required: true });
  const note = h("input", { name: "note", size: 40, placeholder: "本次报送的内容" });
  const problem = h("div");
  const button = h("button.primary", { type: "submit", "data-action": "upload-archives" }, "上传报送");
  const form = h(
    "form.panel",
    {
      onsubmit: async (ev) => {
        ev.preventDefault();
        const data = new FormData();
        for (const f of files.files || []) data.append("file", f, f.name);
        if (note.value.trim()) data.append("note", note.value.trim());
        button.disabled = true;
        button.textContent = "正在上传…";
        problem.replaceChildren();
        try {
          await call("POST", `/archives/${department}/${month}`, data);
          toast("已上传");
          await show(app, { params, go });
        } catch (e) {
          problem.replaceChildren(errorBox(e));
          button.disabled = false;
          button.textContent = "上传报送";
        }
      },
    },
    h("h2", null, "上传本月资料"),
    h("div.filters", null, h("label", null, "文件（可多选）", files), h("label", null, "说明", note), button),
    problem,
  );
  app.replaceChildren(
    h("h1", null, `${month} 档案资料`),
    picker,
    // Only a department's own people upload its materials; others read what it sent.
    departments.includes(department) ? form : h("p", null, h("a", { href: `/console/archives?month=${month}` }, "← 各部门收集情况")),
    h(
      "div.panel",
      null,
      h("h2", null, "已报送"),
      submissions.length
        ? h(
            "table",
            null,
            h("thead", null, h("tr", null, ["报送时间", "文件", "说明", "审核"].map((t) => h("th", null, t)))),
            h(
              "tbody",
              null,
              submissions.map((s) =>
                h(
                  "tr",
                  null,
                  h("td", null, date(s.submitted_at), s.late ? [" ", h("span.tag.overdue", null, "逾期")] : null),
                  h("td", null, s.files.map((f) => h("div", null, f.name))),
                  h("td", null, s.note || "—"),
                  h("td", null, REVIEW[s.review] || s.review, s.review_reason ? `：${s.review_reason}` : ""),
                ),
              ),
            ),
          )
        : h("p.empty", null, "本月尚未报送。"),
    ),
  );
}

async function summary(app, picker, month) {
  const s = await get(`/archives/summary?month=${month}`);
  app.replaceChildren(
    h("h1", null, `${month} 档案资料收集情况`),
    picker,
    h(
      "table",
      null,
      h("thead", null, h("tr", null, ["部门", "报送", "审核", "次数"].map((t) => h("th", null, t)))),
      h(
        "tbody",
        null,
        s.departments.map((d) =>
          h(
            "tr",
            null,
            h("td", null, h("a", { href: `/console/archives?department_id=${d.department_id}&month=${month}` }, d.department_name)),
            h("td", null, h(`span.tag${d.timeliness === "late" || d.timeliness === "missing" ? ".overdue" : ""}`, null, TIMELINESS[d.timeliness] || d.timeliness)),
            h("td", null, d.review ? REVIEW[d.review] || d.review : "—"),
            h("td", null, d.submissions),
          ),
        ),
      ),
    ),
  );
}
