"""Administrators create staff accounts (page and command line), disable and enable them."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import time_machine

from tests.fixtures.accounts import PASSWORD, mission_id, sign_in


def test_an_admin_creates_an_officer_who_sets_a_password_from_the_emailed_link(app, admin, outbox):
    client = app.test_client()
    sign_in(client, admin)
    with app.app_context():
        tokyo = mission_id("tokyo")
    response = client.post("/admin/users/new", data={"name": "Officer Lee", "email": "lee@example.tw",
                                                     "role": "staff", "mission_id": str(tokyo)})
    assert response.status_code == 303
    assert "lee@example.tw" in client.get("/admin/users").get_data(as_text=True)
    link = outbox.link("lee@example.tw")
    newcomer = app.test_client()
    assert newcomer.post(link, data={"password": "a long new staff password",
                                     "password_confirm": "a long new staff password"}).status_code == 303
    response = newcomer.post("/account/login",
                             data={"email": "lee@example.tw", "password": "a long new staff password"})
    assert response.headers["Location"].startswith("/account/login/enrol")


def test_staff_accounts_need_a_mission_and_a_unique_address(app, admin, officer):
    client = app.test_client()
    sign_in(client, admin)
    no_mission = client.post("/admin/users/new", data={"name": "X", "email": "x@example.tw", "role": "staff",
                                                       "mission_id": ""})
    assert "Choose the mission this officer works at." in no_mission.get_data(as_text=True)
    taken = client.post("/admin/users/new", data={"name": "X", "email": officer.email, "role": "supervisor"})
    assert "already exists" in taken.get_data(as_text=True)


def test_only_admins_manage_accounts(app, officer, supervisor):
    for user in (officer, supervisor):
        client = app.test_client()
        sign_in(client, user)
        assert client.get("/admin/users").status_code == 403
        new_admin = {"name": "X", "email": "y@example.tw", "role": "admin"}
        assert client.post("/admin/users/new", data=new_admin).status_code == 403
        assert client.post(f"/admin/users/{user.id}/disable").status_code == 403


def test_disabling_an_account_ends_its_sessions_at_once(app, admin, officer):
    officer_client = app.test_client()
    sign_in(officer_client, officer)
    assert officer_client.get("/staff/queue").status_code == 200
    admin_client = app.test_client()
    sign_in(admin_client, admin)
    assert admin_client.post(f"/admin/users/{officer.id}/disable").status_code == 303
    assert officer_client.get("/staff/queue").status_code == 302
    refused = app.test_client().post("/account/login", data={"email": officer.email, "password": PASSWORD})
    assert "The email address or password is not right." in refused.get_data(as_text=True)
    admin_client.post(f"/admin/users/{officer.id}/enable")
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=31)):  # the next code; the last one is spent
        sign_in(app.test_client(), officer)


def test_an_admin_cannot_disable_themselves(app, admin):
    client = app.test_client()
    sign_in(client, admin)
    client.post(f"/admin/users/{admin.id}/disable")
    assert client.get("/admin/users").status_code == 200


def test_the_command_line_creates_staff_and_refuses_weak_passwords(app):
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["users", "create", "--email", "boss@example.tw", "--name", "Boss", "--role", "admin",
                               "--password", "short"])
    assert weak.exit_code != 0 and "12 個字元" in weak.output  # the portal's default language
    made = runner.invoke(args=["users", "create", "--email", "chief@example.tw", "--name", "Chief", "--role",
                               "staff", "--mission", "tokyo", "--password", "a long and fine password"])
    assert made.exit_code == 0, made.output
    unknown = runner.invoke(args=["users", "create", "--email", "c2@example.tw", "--name", "C", "--role", "staff",
                                  "--mission", "atlantis", "--password", "a long and fine password"])
    assert unknown.exit_code != 0 and "No mission" in unknown.output
    from portal.accounts.models import User
    from portal.extensions import db

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "chief@example.tw"))
        assert user.role.value == "staff" and user.mission.code == "tokyo" and user.totp_secret is None


def test_demo_accounts_exist_only_in_development(app):
    from portal.accounts.models import User
    from portal.extensions import db

    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0 and "0 demo accounts" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
