"""Horizon on pocketstack, walked panel by panel as a user would (in this order: the tests
share one login): any red error banner fails the panel."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.browser.conftest import ADMIN, Dashboard, Panel

pytestmark = pytest.mark.browser

SERVER_NAME = f"web-{uuid.uuid4().hex[:6]}"
state: dict[str, str] = {}


def _row_status(dash: Dashboard, server_id: str) -> str:
    row = dash.find(f"tr[id='instances__row__{server_id}']", 30)
    return str(row.text)


def _wait_row(dash: Dashboard, server_id: str, word: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while True:
        dash.driver.get(dash.url + "/project/instances/")
        dash.settle()
        if word in _row_status(dash, server_id):
            return
        if time.monotonic() > deadline:
            dash.shot(f"wait-{word}")
            raise AssertionError(f"{server_id} never showed {word}: {_row_status(dash, server_id)}")
        time.sleep(1)


def _row_action(dash: Dashboard, server_id: str, action: str, *, confirm: bool = False) -> None:
    """Press a row action of the instances table (the buttons of its More menu)."""
    dash.driver.get(dash.url + "/project/instances/")
    dash.settle()
    button_id = f"instances__row_{server_id}__action_{action}"
    dash.wait(lambda: dash.driver.execute_script(
        "var b = document.getElementById(arguments[0]); if (b) { b.click(); return true; }"
        " return false;", button_id), 30, button_id)
    if confirm:
        dash.find(".modal-footer .btn-danger, .modal-footer .btn-primary").click()
    dash.settle()


def _allocate(dash: Dashboard, text: str) -> None:
    """Move the row naming `text` from a wizard step's Available table to Allocated."""
    dash.xpath(f"//tr[.//td[contains(normalize-space(.), '{text}')]]"
               "//button[contains(@class, 'fa-arrow-up')]").click()


def _step(dash: Dashboard, name: str) -> None:
    dash.xpath(f"//li[contains(@class, 'nav-item')][contains(normalize-space(.), '{name}')]").click()
    time.sleep(0.5)


def test_login(dash: Dashboard, panel: Panel) -> None:
    with panel("login", "/auth/login/"):
        user, password = ADMIN
        dash.find("#id_username").send_keys(user)
        dash.find("#id_password").send_keys(password)
        dash.find("#loginBtn").click()
        dash.wait(lambda: "/auth/login" not in dash.driver.current_url, 60, "login")


def test_overview(panel: Panel) -> None:
    with panel("project overview", "/project/") as dash:
        assert "Overview" in dash.driver.title


def test_instance_launch_wizard(panel: Panel) -> None:
    with panel("instances: launch wizard", "/project/instances/") as dash:
        dash.find("#instances__action_launch-ng").click()
        dash.find("input#name").send_keys(SERVER_NAME)
        _step(dash, "Source")
        _allocate(dash, "cirros")
        _step(dash, "Flavor")
        _allocate(dash, "m1.tiny")
        _step(dash, "Networks")
        allocated = dash.driver.find_elements(
            "xpath", "//div[contains(@class, 'transfer-allocated')]"
            "//tr[.//td[contains(normalize-space(.), 'private')]]")
        if not allocated:
            _allocate(dash, "private")
        finish = dash.find("button.btn-primary.finish")
        dash.wait(finish.is_enabled, 30, "the wizard's Launch button")
        finish.click()
        dash.wait(lambda: not dash.driver.find_elements("css selector", ".modal-dialog"), 60,
                  "the wizard closes")
        row = dash.xpath(f"//tr[contains(@id, 'instances__row__')]"
                         f"[.//a[normalize-space(.)='{SERVER_NAME}']]", 60)
        state["server_id"] = str(row.get_attribute("id")).removeprefix("instances__row__")
    with panel("instances: active") as dash:
        _wait_row(dash, state["server_id"], "Active")


def test_instance_detail_and_log(panel: Panel) -> None:
    server_id = state["server_id"]
    with panel("instance detail", f"/project/instances/{server_id}/") as dash:
        assert SERVER_NAME in dash.driver.page_source
    with panel("instance log tab", f"/project/instances/{server_id}/?tab=instance_details__log") as dash:
        dash.find("pre.logs, #instance_details__log pre", 60)


# (what the user does, the row action's name in Horizon's table, the status it leads to):
# pause and resume are one toggling action.
@pytest.mark.parametrize(("label", "action", "word", "confirm"), [
    ("pause", "pause", "Paused", False), ("resume", "pause", "Active", False),
    ("shut off", "stop", "Shutoff", True), ("start", "start", "Active", False)])
def test_instance_action(panel: Panel, label: str, action: str, word: str, confirm: bool) -> None:
    with panel(f"instance {label}") as dash:
        _row_action(dash, state["server_id"], action, confirm=confirm)
        _wait_row(dash, state["server_id"], word)


def test_instance_delete(panel: Panel) -> None:
    with panel("instance delete") as dash:
        _row_action(dash, state["server_id"], "delete", confirm=True)
        deadline = time.monotonic() + 90
        while dash.driver.find_elements("css selector", f"tr[id='instances__row__{state['server_id']}']"):
            assert time.monotonic() < deadline, "the server is still listed"
            time.sleep(1)
            dash.driver.get(dash.url + "/project/instances/")
            dash.settle()


def test_images(panel: Panel) -> None:
    with panel("images", "/project/images/") as dash:
        dash.xpath("//*[contains(normalize-space(.), 'cirros')]", 60)


def test_key_pair_create(panel: Panel) -> None:
    name = f"kp-{uuid.uuid4().hex[:6]}"
    with panel("key pairs: create", "/project/key_pairs/") as dash:
        dash.find("#keypairs__action_create").click()
        dash.find(".modal-dialog input[name='name'], .modal-dialog input#name").send_keys(name)
        create = dash.find(".modal-footer input.btn-primary[type='submit']")
        dash.wait(create.is_enabled, 30, "the Create Key Pair button")
        create.click()

        def created() -> bool:
            # The private key is shown once (a Done button), or the dialog just closes.
            done = [b for b in dash.driver.find_elements(
                "xpath", "//div[contains(@class, 'modal-footer')]//button[normalize-space(.)='Done']")
                if b.is_displayed()]
            if done:
                done[0].click()
                return True
            return not [m for m in dash.driver.find_elements("css selector", ".modal-dialog")
                        if m.is_displayed()]

        dash.wait(created, 60, "the key pair is created")
        dash.driver.get(dash.url + "/project/key_pairs/")
        dash.settle()
        dash.xpath(f"//*[normalize-space(.)='{name}']", 60)


def test_networks(panel: Panel) -> None:
    with panel("networks", "/project/networks/") as dash:
        dash.xpath("//a[normalize-space(.)='private']", 60)


def test_network_topology(panel: Panel) -> None:
    with panel("network topology", "/project/network_topology/") as dash:
        dash.find("#topologyCanvasContainer, #networktopology, svg", 60)


def test_routers(panel: Panel) -> None:
    with panel("routers", "/project/routers/") as dash:
        dash.find("#routers", 60)


def test_security_groups(panel: Panel) -> None:
    with panel("security groups", "/project/security_groups/") as dash:
        dash.xpath("//*[normalize-space(.)='default']", 60)


def test_volumes(panel: Panel) -> None:
    name = f"vol-{uuid.uuid4().hex[:6]}"
    with panel("volumes: create", "/project/volumes/") as dash:
        dash.find("#volumes__action_create").click()
        dash.find(".modal-dialog #id_name").send_keys(name)
        size = dash.find(".modal-dialog #id_size")
        size.clear()
        size.send_keys("1")
        dash.find(".modal-footer .btn-primary").click()
        dash.xpath(f"//tr[.//a[normalize-space(.)='{name}']]", 60)


def test_admin_hypervisors(panel: Panel) -> None:
    with panel("admin hypervisors", "/admin/hypervisors/") as dash:
        dash.xpath("//*[contains(normalize-space(.), 'Resource Providers Summary')]", 60)


def test_identity_projects(panel: Panel) -> None:
    with panel("identity projects", "/identity/") as dash:
        dash.xpath("//a[normalize-space(.)='demo']", 60)


def test_identity_users(panel: Panel) -> None:
    with panel("identity users", "/identity/users/") as dash:
        dash.xpath("//a[normalize-space(.)='admin']", 60)


def test_logout(panel: Panel) -> None:
    with panel("logout", "/project/") as dash:
        # Sign Out in the user menu (a POST: Django's logout takes no GET).
        dash.xpath("//li[contains(@class, 'user-menu')]//a[contains(@class, 'dropdown-toggle')]").click()
        dash.xpath("//*[self::a or self::button][normalize-space(.)='Sign Out']").click()
        dash.find("#id_username", 60)
