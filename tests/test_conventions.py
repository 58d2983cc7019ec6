"""Conventions the code keeps: services never commit, tests are collected, strings are translatable."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_services_flush_but_never_commit():
    offenders = []
    for path in [*ROOT.glob("portal/*/service.py"), *ROOT.glob("portal/core/cases/*.py")]:
        if re.search(r"\.commit\(", path.read_text()):
            offenders.append(str(path.relative_to(ROOT)))
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
