"""Staff console of the rural financial service stations, served by the bot's web app under `/staff`.

Extending it (e.g. a campaign admin page or a report page)::

    from fastapi import APIRouter, Depends, Request
    from bot.staff.console import NavEntry, StaffConsole
    from core.text import bi
    from bot.staff.auth import StaffContext

    def campaign_pages(console: StaffConsole) -> APIRouter:
        router = APIRouter(prefix="/staff/campaigns")

        @router.get("")
        async def page(request: Request, ctx: StaffContext = Depends(console.require_admin)):
            return console.render(request, ctx, "campaigns.html", campaigns=[...])

        return router

    console.add_template_dir(Path(__file__).parent / "templates")   # your templates extend "base.html"
    console.add_router(campaign_pages(console), NavEntry("/staff/campaigns", bi("宣传活动", "Campaigns"), admin=True))

`console.require_staff` / `console.require_admin` are FastAPI dependencies returning a `StaffContext` (the
person's `scope` with station, the CSRF token and the console language); a not-logged-in browser is sent to the
login page, an API caller gets 401, a non-admin 403. Every POST must carry the form field `csrf_token` (or the
header `X-CSRF-Token`): use `Depends(console.require_staff_post)` / `Depends(console.require_admin_post)`.
Templates get `t(key)` for console labels (bot/staff/i18n.py; `console.add_labels({...})` adds yours), `ctx`,
`nav` and `csrf_token`. Routers must be added before `console.install(app)` is called by the composition root.
"""
