// @ts-check
// Monthly feedback lists (问题反馈清单), due by the 25th: the village drafts and submits its own;
// the town office sees every village's, on time or late, and comments beside them.
import { call, get, post } from "../api.js";
import { STATUS, TIMELINESS, errorBox, h, thisMonth, toast } from "../ui.js";

export async function show(app, { params, go }) {
  const period = params.get("period") || thisMonth();
  const me = await get("/me");
  const villageGrants = me.grants.filter((g) => g.scope_kind === "village");
  const village = params.get("village_id") || (villageGrants.length === 1 ? villageGrants[0].scope_id : null);
  const picker = h(
    "form.filters",
    { onsubmit: (ev) => { ev.preventDefault(); const m = /** @type {HTMLInputElement} */ (ev.target.elements.period).value; go(`/console/lists?${new URLSearchParams({ ...(village ? { village_id: village } : {}), period: m })}`); } },
    h("label", null, "月份", h("input", { name: "period", type: "month", value: period })),
    h("button", { type: "submit" }, "查看"),
  );
  if (!village) return overview(app, picker, period);
  const path = `/villages/${village}/feedback-lists/routine/${period}`;
  const list = await get(path);
  const submitted = !!list.submitted_at;
  const remarks = h("textarea", { name: "remarks", rows: 3, cols: 60, disabled: submitted }, list.remarks || "");
  const itemInputs = list.items.map((it) => h("input", { "data-problem": it.problem.id, value: it.remark || "", disabled: submitted, maxlength: 500, size: 40 }));
  const problem = h("div");
  const body = () => ({
    remarks: remarks.value,
    items: itemInputs.map((i) => ({ problem_id: i.getAttribute("data-problem"), remark: i.value })),
  });
  const mayWrite = (list.allowed_actions || []).includes("submit");
  app.replaceChildren(
    ...[
      h("h1", null, list.title),
      picker,
      h("p", null, `报送期限：${list.due_on}　状态：`, h("strong", null, TIMELINESS[list.timeliness] || list.timeliness)),
      list.items.length
        ? h(
            "table",
            null,
            h("thead", null, h("tr", null, ["问题", "状态", "说明"].map((t) => h("th", null, t)))),
            h(
              "tbody",
              null,
              list.items.map((it, i) =>
                h("tr", null, h("td", null, h("a", { href: `/console/problem/${it.problem.id}` }, it.problem.description)), h("td", null, STATUS[it.problem.status] || it.problem.status), h("td", null, itemInputs[i])),
              ),
            ),
          )
        : h("p.empty", null, "本月没有需要反馈的问题。"),
      h("label", null, "本村说明", remarks),
      problem,
      mayWrite && !submitted
        ? h(
            "div.actions",
            null,
            h("button", { type: "button", onclick: async () => { try { await call("PUT", path, body()); toast("已保存"); } catch (e) { problem.replaceChildren(errorBox(e)); } } }, "保存"),
            h(
              "button.primary",
              {
                type: "button",
                "data-action": "submit-list",
                onclick: async (ev) => {
                  const b = /** @type {HTMLButtonElement} */ (ev.currentTarget);
                  b.disabled = true;
                  try {
                    await call("PUT", path, body());
                    const done = await post(`${path}/submit`, {});
                    toast(`已报送（${TIMELINESS[done.timeliness] || done.timeliness}）`);
                    await show(app, { params, go });
                  } catch (e) {
                    problem.replaceChildren(errorBox(e));
                    b.disabled = false;
                  }
                },
              },
              "报送乡村振兴办",
            ),
          )
        : null,
      list.comments?.length ? h("div.panel", null, h("h2", null, "乡村振兴办意见"), h("ul", null, list.comments.map((c) => h("li", null, `${c.author_name}：${c.body}`)))) : null,
    ].filter(Boolean),
  );
}

async function overview(app, picker, period) {
  const rows = await get(`/feedback-lists?kind=routine&period=${period}`);
  app.replaceChildren(
    h("h1", null, `${period} 问题反馈清单`),
    picker,
    rows.length
      ? h(
          "table",
          null,
          h("thead", null, h("tr", null, ["村", "报送期限", "状态"].map((t) => h("th", null, t)))),
          h(
            "tbody",
            null,
            rows.map((r) =>
              h(
                "tr",
                null,
                h("td", null, h("a", { href: `/console/lists?village_id=${r.village_id}&period=${period}` }, r.village_name || r.village_id)),
                h("td", null, r.due_on),
                h("td", null, h(`span.tag${r.timeliness === "missing" || r.timeliness === "late" ? ".overdue" : ""}`, null, TIMELINESS[r.timeliness] || r.timeliness)),
              ),
            ),
          ),
        )
      : h("p.empty", null, "没有需要报送清单的村。"),
  );
}
