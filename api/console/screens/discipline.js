// @ts-check
// The Discipline Commission's queue: problems handed over, or overdue.
import { get } from "../api.js";
import { STATUS, day, h } from "../ui.js";

export async function show(app, { params }) {
  const page = Number(params.get("page") || 1);
  const q = await get(`/discipline/queue?page=${page}&per_page=20`);
  app.replaceChildren(
    h("h1", null, "镇纪委待办"),
    q.items.length
      ? h(
          "table",
          null,
          h("thead", null, h("tr", null, ["问题", "状态", "整改期限", "移交时间"].map((t) => h("th", null, t)))),
          h(
            "tbody",
            null,
            q.items.map((p) =>
              h(
                "tr",
                null,
                h("td", null, h("a", { href: `/console/problem/${p.id}` }, p.description)),
                h("td", null, STATUS[p.status] || p.status, p.overdue ? [" ", h("span.tag.overdue", null, "逾期")] : null),
                h("td", null, day(p.deadline)),
                h("td", null, day(p.handed_over_at)),
              ),
            ),
          ),
        )
      : h("p.empty", null, "没有移交或逾期的问题。"),
    h("p.muted", null, `共 ${q.total} 条`),
  );
}
