"""Conventions the code keeps: services never commit, tests are collected, strings are translatable."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


#: the only modules that end a unit of work: the request boundary, and unit_of_work() for commands and the worker
BOUNDARY = {"portal/core/boundary.py", "portal/core/db.py"}


def _commits(tree: ast.AST) -> list[int]:
    """Lines that commit: any `something.commit()` call, or a call to a function named like one."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name == "commit" or "commit" in name.split("_"):
                lines.append(node.lineno)
    return lines


def test_only_the_boundary_commits():
    offenders = []
    for path in ROOT.glob("portal/**/*.py"):
        relative = str(path.relative_to(ROOT))
        if relative not in BOUNDARY:
            offenders += [f"{relative}:{line}" for line in _commits(ast.parse(path.read_text()))]
    assert offenders == []


def test_the_commit_finder_finds_commits():
    assert _commits(ast.parse("db.session.commit()\ncommit_request()\nx = 1")) == [1, 2]
    assert _commits(ast.parse("session.flush()\ncommitted = True")) == []


def test_every_refusal_caught_in_a_view_is_shown_with_refuse():
    """A view that catches a service's refusal shows it with refuse(), which also rolls the request back."""
    offenders = []
    for path in ROOT.glob("portal/**/*views.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ExceptHandler) and "Refused" in ast.unparse(node.type or ast.Name("")):
                body = ast.unparse(ast.Module(body=node.body, type_ignores=[]))
                if "refuse(" not in body and "abort(" not in body and "raise" not in body:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_every_test_like_function_is_collected():
    for path in ROOT.glob("tests/**/*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if (isinstance(node, ast.FunctionDef) and "test" in node.name
                    and not node.name.startswith(("test_", "pytest_"))):
                raise AssertionError(f"{path.name}:{node.name} looks like a test but will never run")


def test_no_f_strings_inside_gettext():
    pattern = re.compile(r"\b_l?\(\s*f[\"']")
    offenders = [str(p) for p in ROOT.glob("portal/**/*.py") if pattern.search(p.read_text())]
    assert offenders == []


def test_templates_have_no_inline_script_or_style():
    for path in ROOT.glob("portal/templates/**/*.html"):
        text = path.read_text()
        assert "<script>" not in text and " style=" not in text and "<style" not in text, path.name


def test_the_core_imports_no_domain():
    """portal/core is what every domain shares: it names domain tables by name only, and reaches no
    domain's code (imports for type checking alone excepted)."""
    from portal import domain_packages

    domains = tuple(f"portal.{name}" for name in domain_packages())
    offenders = []
    for path in ROOT.glob("portal/core/**/*.py"):
        tree = ast.parse(path.read_text())
        checked_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                        and ast.unparse(node.test) == "TYPE_CHECKING" for n in ast.walk(node)}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and id(node) not in checked_only \
                    and node.module.startswith(domains):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.module}")
    assert offenders == []


def _isdigit_calls(tree: ast.AST) -> list[int]:
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "isdigit"]


def test_numbers_from_requests_are_read_with_is_digits():
    """str.isdigit() takes superscripts and other scripts' digits that int() then refuses (a 500):
    core.text.is_digits() takes ASCII digits only."""
    offenders = [f"{path.relative_to(ROOT)}:{line}" for path in ROOT.glob("portal/**/*.py")
                 for line in _isdigit_calls(ast.parse(path.read_text()))]
    assert offenders == []
    assert _isdigit_calls(ast.parse("x.isdigit()\nis_digits(x)")) == [1]
