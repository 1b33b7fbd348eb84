"""CHANGELOG.md keeps Keep a Changelog 1.1.0's form (https://keepachangelog.com/en/1.1.0/).

``## [Unreleased]`` first, then ``## [X.Y.Z] - YYYY-MM-DD`` newest first; under each, only
the six groups, each at most once; every version heading has its link reference.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GROUPS = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")
VERSION = re.compile(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$")


def _lines() -> list[str]:
    return (ROOT / "CHANGELOG.md").read_text(encoding="utf-8").splitlines()


def _sections() -> list[tuple[str, list[str]]]:
    """Each ``## `` heading with the ``### `` headings under it, in order."""
    sections: list[tuple[str, list[str]]] = []
    for line in _lines():
        if line.startswith("## "):
            sections.append((line, []))
        elif line.startswith("### "):
            assert sections, f"{line!r} comes before any release heading"
            sections[-1][1].append(line.removeprefix("### "))
    return sections


def test_unreleased_comes_first_and_every_other_heading_is_a_dated_version() -> None:
    headings = [heading for heading, _ in _sections()]
    assert headings, "no release headings"
    assert headings[0] == "## [Unreleased]"
    assert headings.count("## [Unreleased]") == 1, "one Unreleased section only"
    versions: list[tuple[int, ...]] = []
    for heading in headings[1:]:
        match = VERSION.match(heading)
        assert match, f"not `## [X.Y.Z] - YYYY-MM-DD`: {heading!r}"
        versions.append(tuple(int(n) for n in match[1].split(".")))
    assert versions == sorted(versions, reverse=True), "versions are not newest first"


def test_each_section_uses_only_the_six_groups_once_each_in_order() -> None:
    for heading, groups in _sections():
        unknown = [g for g in groups if g not in GROUPS]
        assert not unknown, f"{heading}: groups other than {GROUPS}: {unknown}"
        assert len(groups) == len(set(groups)), f"{heading}: a group appears twice: {groups}"
        assert groups == sorted(groups, key=GROUPS.index), f"{heading}: groups out of order"


def test_every_release_heading_has_its_link_reference() -> None:
    references = {
        match[1] for line in _lines() if (match := re.match(r"^\[([^\]]+)\]: https://\S+$", line))
    }
    for heading, _ in _sections():
        name = re.match(r"^## \[([^\]]+)\]", heading)
        assert name, f"release heading without brackets: {heading!r}"
        assert name[1] in references, f"no link reference for [{name[1]}] at the bottom"
