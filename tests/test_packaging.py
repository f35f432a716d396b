"""The wheel carries every file the packages read at run time (templates, stylesheets, scripts).

A file that only exists in the checkout works with an editable install and breaks the wheel and
the Docker image at import; CI's wheel step builds and serves the real thing, this test names the
missing pattern in a second.
"""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_data_file_of_the_packages_is_in_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    setuptools = config["tool"]["setuptools"]
    packages = [pattern.rstrip("*") for pattern in setuptools["packages"]["find"]["include"]]
    patterns = setuptools["package-data"]["*"]
    data_files = [
        path.relative_to(ROOT)
        for package in packages
        for path in (ROOT / package).rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts
    ]
    assert data_files, "no data files found: the package layout changed"
    missing = [str(path) for path in data_files if not any(fnmatch(path.name, p) for p in patterns)]
    assert missing == [], f"not in [tool.setuptools.package-data]: {missing}"


# Runtime dependencies no module imports by name, and why they are still needed.
INDIRECT = {
    "python-multipart": "Starlette parses the sign-in and consent forms with it",
    "psycopg": "SQLAlchemy's postgresql+psycopg driver",
    "uvicorn": "serve runs it (imported by name too, inside the command)",
}
IMPORT_NAMES = {
    "pydantic-settings": "pydantic_settings",
    "argon2-cffi": "argon2",
    "pyjwt": "jwt",
    "opentelemetry-api": "opentelemetry",
}


def test_every_runtime_dependency_is_used() -> None:
    """A dependency nothing imports (slowapi was one) is dead weight in every install and image."""
    import re

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    names = [
        re.split(r"[\[<>=!~;]", spec, maxsplit=1)[0].strip() for spec in config["project"]["dependencies"]
    ]
    sources = "\n".join(
        path.read_text()
        for package in ("server", "domain", "auth", "schema", "seed")
        for path in (ROOT / package).rglob("*.py")
    )
    unused = [
        name
        for name in names
        if name not in INDIRECT
        and not re.search(
            rf"^\s*(import|from) {IMPORT_NAMES.get(name, name.replace('-', '_'))}\b", sources, re.MULTILINE
        )
    ]
    assert unused == [], f"declared in pyproject.toml but never imported: {unused}"


def test_the_ci_constraints_satisfy_the_declared_ranges() -> None:
    """A pin outside pyproject's range makes `pip install -e '.[test]' -c .ci/constraints.txt`
    (CI and the README) fail to resolve: raise the pin with the range."""
    from packaging.requirements import Requirement

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = [
        Requirement(spec)
        for specs in (config["project"]["dependencies"], *config["project"]["optional-dependencies"].values())
        for spec in specs
    ]
    pins = {}
    for line in (ROOT / ".ci" / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.strip().lower()] = version.strip()
    outside = [
        f"{requirement} vs =={pins[requirement.name.lower()]}"
        for requirement in declared
        if requirement.name.lower() in pins and pins[requirement.name.lower()] not in requirement.specifier
    ]
    assert outside == []
