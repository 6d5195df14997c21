"""docs/api.md is what `manage.py api_docs` makes of the OpenAPI schema and docs/api-notes.md: it cannot drift."""
import pytest
from django.core.management import CommandError, call_command

from ops import apidocs


def test_the_api_reference_is_the_generators_output():
    assert apidocs.DOC.read_text(encoding="utf-8") == apidocs.build(), (
        "docs/api.md is stale: run `.venv/bin/python manage.py api_docs` and commit the result")


def test_every_schema_path_is_in_the_reference():
    schema, apps = apidocs.schema_and_apps()
    text = apidocs.DOC.read_text(encoding="utf-8")
    assert len(schema["paths"]) > 80
    assert [path for path in schema["paths"] if f"### `{path}`" not in text] == []
    assert {app for app in apps.values()} >= {"geo", "patrol", "layers", "assessment", "planning", "facilities"}


def test_notes_sections_place_their_text_above_the_apps_operations():
    schema = {"paths": {"/api/a/": {"get": {"description": "One.\n\nTwo lines\n  joined.", "responses": {
        "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}}},
        "/api/b/": {"post": {"requestBody": {"content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/A"}}}}, "responses": {"201": {}}}}},
        "components": {"schemas": {"A": {"type": "object", "required": ["x"], "properties": {
            "x": {"type": "string"}, "k": {"$ref": "#/components/schemas/KEnum"}, "id": {"type": "integer",
                                                                                   "readOnly": True}}},
            "KEnum": {"enum": ["p", "q"]}}}}
    apps = {("/api/a/", "get"): "one", ("/api/b/", "post"): "two"}
    text = apidocs.render(schema, apps, "# Intro\n\nHand text.\n\n## two: Second\n\nAbout b.\n\n## -: Else\n\nE.\n")
    assert text.index("# Intro") < text.index("## Second") < text.index("About b.") < text.index("### `/api/b/`")
    assert text.index("## Else") < text.index("## one") < text.index("### `/api/a/`")
    assert "**GET** — One. Two lines joined." in text and "- answers: 200 `A`" in text
    assert "- body (JSON) `A`: `x` string (required), `k` `p` \\| `q`\n" in text  # read-only `id` left out
    assert "- **A**: `x` string, `k` `p` \\| `q`, `id` integer" in text


def test_the_command_writes_the_file_and_check_refuses_a_stale_one(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(apidocs, "DOC", tmp_path / "docs" / "api.md")
    monkeypatch.setattr(apidocs, "build", lambda: "# API reference\n")
    with pytest.raises(CommandError, match="stale"):
        call_command("api_docs", "--check")
    assert not apidocs.DOC.exists()  # --check writes nothing
    call_command("api_docs")
    assert apidocs.DOC.read_text(encoding="utf-8") == "# API reference\n"
    call_command("api_docs", "--check")
    assert "up to date" in capsys.readouterr().out
