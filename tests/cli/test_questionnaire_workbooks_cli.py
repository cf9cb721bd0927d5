"""`vetting questionnaires export|import` (issue 13, item 1): the workbook written to a file,
filled, checked with --dry-run (nothing written) and imported into the assessment it names."""

from __future__ import annotations

from pathlib import Path

from tests.api.chain import app_, assess, vendor
from tests.api.test_questionnaires import fill, stored
from tests.cli.helpers import clean_error, invoke, ok


def test_export_fill_dry_run_and_import(app, client, admin, runner, tmp_path: Path):
    aid = assess(client, admin, app_(client, admin, vendor(client, admin)))["id"]
    path = tmp_path / "q.xlsx"
    assert "wrote" in ok(invoke(runner, "questionnaires", "export", str(aid), "-o", str(path)))
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(fill(path.read_bytes(), {"baa_signed": "Yes", "remote_wipe": "No"}))
    out = ok(invoke(runner, "questionnaires", "import", str(filled), "--dry-run"))
    assert "2 created" in out and "dry run: nothing written" in out
    assert "create\tbaa_signed\t- → Yes\tQuestions!D" in out
    assert stored(app, aid) == {}
    out = ok(invoke(runner, "questionnaires", "import", str(filled)))
    assert "2 created" in out and "applied" in out
    assert stored(app, aid)["baa_signed"].source == "attested"
    assert "0 created, 0 updated, 2 unchanged" in ok(
        invoke(runner, "questionnaires", "import", str(filled))
    )


def test_a_wrong_value_is_a_clean_error_naming_the_cell(app, client, admin, runner, tmp_path):
    aid = assess(client, admin, app_(client, admin, vendor(client, admin)))["id"]
    path = tmp_path / "q.xlsx"
    ok(invoke(runner, "questionnaires", "export", str(aid), "-o", str(path)))
    path.write_bytes(fill(path.read_bytes(), {"baa_signed": "Maybe"}))
    clean_error(
        invoke(runner, "questionnaires", "import", str(path)),
        "q.xlsx: Questions!D2: 'Maybe' is not one of Yes, No",
    )
    legacy = tmp_path / "old.xls"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0" + bytes(600))
    clean_error(invoke(runner, "questionnaires", "import", str(legacy)), "save it as .xlsx")


def test_an_over_large_file_is_refused_before_it_is_read(runner, tmp_path):
    big = tmp_path / "big.xlsx"
    with big.open("wb") as f:
        f.truncate(21 * 1024 * 1024)  # sparse: nothing is written
    clean_error(
        invoke(runner, "questionnaires", "import", str(big)),
        "big.xlsx: the file is 22,020,096 bytes; the limit is 20,971,520 bytes",
    )
