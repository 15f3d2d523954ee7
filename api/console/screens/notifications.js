// @ts-check
import { get, post } from "../api.js";
import { date, h } from "../ui.js";

export async function show(app) {
  const inbox = await get("/notifications?per_page=50");
  app.replaceChildren(
    h("h1", null, "消息"),
    inbox.items.length
      ? h(
          "ul",
          null,
          inbox.items.map((n) =>
            h(
              "li",
              { class: n.read_at ? "muted" : "" },
              h("strong", null, n.title),
              ` ${date(n.created_at)} `,
              n.read_at ? null : h("button", { type: "button", onclick: async () => { await post(`/notifications/${n.id}/read`); await show(app); } }, "标为已读"),
              h("div", null, n.body),
            ),
          ),
        )
      : h("p.empty", null, "没有消息。"),
  );
}
