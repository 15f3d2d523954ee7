// @ts-check
// One problem: its facts, its history, and the steps the caller may take (the API says which).
import { post, get } from "../api.js";
import { ACTION, CATEGORY, CLASS, SOURCE, STATUS, date, day, errorBox, h, toast } from "../ui.js";

/** The steps this screen can take with a note alone; the others need their own forms. */
const WITH_NOTE = {
  hand_to_discipline: (id, note) => post(`/problems/${id}/hand-over`, { note }),
  verify: (id, note) => post(`/problems/${id}/verify`, { verdict: "accept", note }),
  send_back: (id, note) => post(`/problems/${id}/verify`, { verdict: "send_back", note }),
};

export async function show(app, { rest }) {
  const id = rest.split("/")[0];
  const [p, events] = await Promise.all([get(`/problems/${id}`), get(`/problems/${id}/events`)]);
  const note = h("textarea", { name: "note", rows: 2, cols: 40, placeholder: "说明（移交、核验时填写）" });
  const problem = h("div");
  const steps = (p.allowed_actions || []).filter((a) => WITH_NOTE[a]);
  app.replaceChildren(
    ...[
    h("p", null, h("a", { href: "/console/ledger" }, "← 整改台账")),
    h("h1", null, p.description),
    h(
      "dl.facts",
      null,
      h("dt", null, "状态"),
      h("dd", null, STATUS[p.status] || p.status, p.overdue ? [" ", h("span.tag.overdue", null, "逾期")] : null),
      h("dt", null, "来源"),
      h("dd", null, SOURCE[p.source] || p.source),
      h("dt", null, "问题类型"),
      h("dd", null, CATEGORY[p.category] || p.category),
      h("dt", null, "类别"),
      h("dd", null, p.class ? CLASS[p.class] : "未交办"),
      h("dt", null, "整改期限"),
      h("dd", null, day(p.deadline)),
      h("dt", null, "整改措施"),
      h("dd", null, p.measure || "—"),
      h("dt", null, "发现时间"),
      h("dd", null, date(p.found_at)),
      h("dt", null, "移交镇纪委"),
      h("dd", null, p.handed_over_at ? date(p.handed_over_at) : "否"),
    ),
    steps.length
      ? h(
          "div.panel",
          null,
          h("h2", null, "办理"),
          note,
          problem,
          h(
            "div.actions",
            null,
            steps.map((a) =>
              h(
                `button${a === "hand_to_discipline" ? ".danger" : ".primary"}`,
                {
                  type: "button",
                  "data-action": a,
                  onclick: async (ev) => {
                    const b = /** @type {HTMLButtonElement} */ (ev.currentTarget);
                    b.disabled = true;
                    problem.replaceChildren();
                    try {
                      await WITH_NOTE[a](p.id, note.value.trim());
                      toast(`已${ACTION[a]}`);
                      await show(app, { rest });
                    } catch (e) {
                      problem.replaceChildren(errorBox(e));
                      b.disabled = false;
                    }
                  },
                },
                ACTION[a],
              ),
            ),
          ),
        )
      : null,
    h("div.panel", null, h("h2", null, "办理经过"), h("ol", null, events.map((e) => h("li", null, `${date(e.at)} ${ACTION[e.action] || e.action}`, e.note ? `：${e.note}` : "")))),
    ].filter(Boolean),
  );
}
