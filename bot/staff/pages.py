"""Registers the console's own pages (login, queue and conversations, applications, admin) on a `StaffConsole`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.staff.console import NavEntry
from core.text import bi

if TYPE_CHECKING:
    from bot.staff.console import StaffConsole


def register(console: StaffConsole) -> None:
    """Add every built-in router and navigation entry."""
    from bot.staff import admin_pages, application_pages, handoff_pages, login_pages

    console.add_router(login_pages.router(console))
    console.add_router(handoff_pages.router(console), NavEntry("/staff/", bi("待处理会话", "Queue")))
    console.add_router(application_pages.router(console), NavEntry("/staff/applications", bi("预申请", "Applications")))
    admin = admin_pages.router(console)
    console.add_router(admin, NavEntry("/staff/admin/stations", bi("服务站", "Stations"), admin=True))
    console.nav.append(NavEntry("/staff/admin/users", bi("工作人员账号", "Staff accounts"), admin=True))
    console.nav.append(NavEntry("/staff/admin/audit", bi("操作日志", "Audit log"), admin=True))
