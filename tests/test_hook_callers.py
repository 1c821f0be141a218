"""Every hookspec has a caller in the hub's production code and a test that drives it
through that caller (as datasette's tests/test_docs.py holds its own hooks).

The caller of a hook is, by the kind of hook:

- registration hooks (``register_*``): read by ``PluginHost`` when a plugin loads
  (``self._register_one/_register_many(name, "register_x")``);
- notifications (``on_*``): written to the outbox by a domain module (``hook="on_x"``)
  and delivered by the dispatcher through ``PluginHost.notify``;
- every other hook: ``PluginHost``'s typed method of the same name, called from the hub.

``HOOK_TESTS`` names, for each hook, the test that drives it through that caller; a new
hook fails here until it has both.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from hub import hookspecs

ROOT = Path(__file__).resolve().parents[1]
HUB = ROOT / "hub"
#: Hook -> the test (file, function) that drives it through its production caller.
HOOK_TESTS = {
    "register_settings_model": (
        "tests/api/routes/test_clinic_plugins.py",
        "test_validation_names_every_bad_field",
    ),
    "register_channels": (
        "tests/api/routes/test_clinics.py",
        "test_channels_must_name_providers_of_that_channel",
    ),
    "register_routes": (
        "tests/test_third_party_plugin.py",
        "test_action_job_route_and_state",
    ),
    "register_jobs": (
        "tests/test_jobs.py",
        "test_daily_job_runs_once_at_the_clinics_local_time",
    ),
    "register_actions": (
        "tests/test_third_party_plugin.py",
        "test_action_job_route_and_state",
    ),
    "register_reference_kinds": (
        "tests/platform/test_reference_sync.py",
        "test_a_plugin_kind_is_declared_stored_and_served_like_the_hubs",
    ),
    "register_mapping_kinds": (
        "tests/platform/test_mappings.py",
        "test_bulk_put_stores_many_to_many_pairs_and_lists_the_unmapped",
    ),
    "register_migrations": (
        "tests/db/test_plugin_migrations.py",
        "test_plugin_tables_are_created_beside_the_hubs",
    ),
    "check_settings": (
        "tests/test_third_party_plugin.py",
        "test_settings_check_uses_the_service",
    ),
    "on_appointment_created": (
        "tests/api/routes/test_appointments.py",
        "test_create_update_cancel_restore_each_reach_the_plugin",
    ),
    "on_appointment_updated": (
        "tests/api/routes/test_appointments.py",
        "test_create_update_cancel_restore_each_reach_the_plugin",
    ),
    "on_appointment_cancelled": (
        "tests/api/routes/test_appointments.py",
        "test_create_update_cancel_restore_each_reach_the_plugin",
    ),
    "on_appointment_restored": (
        "tests/api/routes/test_appointments.py",
        "test_create_update_cancel_restore_each_reach_the_plugin",
    ),
    "on_card_updated": (
        "tests/api/routes/test_patients.py",
        "test_create_then_same_put_is_unchanged_and_emits_once",
    ),
    "on_card_deleted": (
        "tests/api/routes/test_patients.py",
        "test_delete_reaches_on_card_deleted_and_put_restores",
    ),
    "on_service_charged": (
        "tests/api/routes/test_clinic_events.py",
        "test_service_charged_reaches_on_service_charged",
    ),
    "on_lab_results_ready": (
        "tests/api/routes/test_clinic_events.py",
        "test_lab_results_and_discount_card_reach_their_hooks",
    ),
    "on_discount_card_issued": (
        "tests/api/routes/test_clinic_events.py",
        "test_lab_results_and_discount_card_reach_their_hooks",
    ),
    "on_patient_answered": (
        "tests/web/test_answer_page.py",
        "test_confirm_is_stored_once_published_and_passed_to_plugins",
    ),
    "on_stoplist_changed": (
        "plugins/smsru/tests/test_plugin.py",
        "test_hook_on_stoplist_changed_adds_and_removes",
    ),
    "send_message": (
        "tests/messages/test_delivery.py",
        "test_accepted_message_is_sent_with_provider_id_and_cost",
    ),
    "send_messages": (
        "tests/platform/test_send_messages.py",
        "test_due_messages_of_a_clinic_go_in_one_call_each_with_its_result",
    ),
    "get_balance": (
        "tests/api/routes/test_clinic_messages.py",
        "test_balance_endpoint_and_a_failing_provider",
    ),
    "estimate_cost": (
        "tests/api/routes/test_mailings.py",
        "test_mailing_queues_one_message_per_patient_and_lists_the_skipped",
    ),
    "get_plugin_status": (
        "plugins/smsru/tests/test_plugin.py",
        "test_hook_get_plugin_status",
    ),
    "sync_reference_data": (
        "tests/platform/test_reference_sync.py",
        "test_sync_now_stores_what_the_plugin_fetched_and_answers_the_counts",
    ),
}


def hook_names() -> list[str]:
    """Every hookspec of :mod:`hub.hookspecs`."""
    marker = f"{hookspecs.PROJECT_NAME}_spec"
    return sorted(
        name
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(function, marker)
    )


def _trees() -> dict[str, ast.Module]:
    return {
        str(path.relative_to(ROOT)): ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(HUB.rglob("*.py"))
        if path.name not in ("hookspecs.py", "testing.py", "testing_recorder.py")
    }


TREES = _trees()


def _host_methods() -> set[str]:
    tree = TREES["hub/plugins.py"]
    host = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "PluginHost")
    return {n.name for n in host.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


def _called_methods(outside: str) -> set[str]:
    """Names of methods called as ``<something>.name(...)`` in production modules."""
    out = set()
    for path, tree in TREES.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if path != outside or not isinstance(node.func.value, ast.Name):
                    out.add(node.func.attr)
    return out


def _registered() -> set[str]:
    """Hook names the host reads at registration (``_register_one/_many(name, "x")``)."""
    out = set()
    for node in ast.walk(TREES["hub/plugins.py"]):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("_register_one", "_register_many")
            and len(node.args) == 2
            and isinstance(node.args[1], ast.Constant)
        ):
            out.add(node.args[1].value)
    return out


def _emitted() -> set[str]:
    """``on_*`` hook names written as string constants by domain modules."""
    return {
        node.value
        for path, tree in TREES.items()
        if path != "hub/plugins.py"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.startswith("on_")
    }


HOOKS = hook_names()


def test_the_hook_list_is_read_from_the_hookspecs() -> None:
    assert {"send_message", "on_card_updated", "register_jobs"} <= set(HOOKS)


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_production_caller(hook: str) -> None:
    if hook.startswith("register_"):
        assert hook in _registered(), f"PluginHost never reads {hook} at registration"
    elif hook.startswith("on_"):
        assert hook in _emitted(), f"no domain module writes {hook} to the outbox"
        assert "notify" in _called_methods(outside="")
    else:
        assert hook in _host_methods(), f"PluginHost has no typed method {hook}()"
        called = _called_methods(outside="hub/plugins.py")
        assert hook in called, f"nothing in the hub calls host.{hook}()"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test_through_its_caller(hook: str) -> None:
    assert hook in HOOK_TESTS, f"name the test that drives {hook} in HOOK_TESTS"
    path, name = HOOK_TESTS[hook]
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    tests = {
        n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    assert name in tests, f"{path}::{name} does not exist"


def test_the_table_names_no_hook_that_is_gone() -> None:
    assert set(HOOK_TESTS) <= set(HOOKS)
