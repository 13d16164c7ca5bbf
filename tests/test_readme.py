"""The README works as written: its Python snippets run, and so do its commands."""

import pathlib
import re
import shlex
import shutil

import pytest

from symstat.cli import main

README = (pathlib.Path(__file__).parents[1] / "README.md").read_text()


def test_python_snippets_run(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    assert blocks
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)  # our own README, not user input
    assert "agrees" in capsys.readouterr().out


def _commands():
    text = README[README.index("## The command line"):README.index("### Rules")]
    text = text.replace("\\\n", " ")
    return [line.split("#")[0].strip() for line in text.splitlines()
            if line.strip().startswith("symstat ")]


@pytest.mark.slow
@pytest.mark.parametrize("command", _commands())
def test_cli_commands_run(command, tmp_path, monkeypatch, capsys):
    argv = shlex.split(command)[1:]
    if "--pdf" in argv and shutil.which("pdflatex") is None:
        pytest.skip("no TeX engine installed (CI installs one)")
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 0, capsys.readouterr().err
