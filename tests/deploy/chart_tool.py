"""Renders, lints, validates and scans helm/eoffice; run by tests/deploy in .venv-chart, apart from the app.

Reads a JSON request on standard input: {"chart": path, "kube_version": "1.37.0", "cases": {name: values}}
and writes one JSON answer: per case the rendered objects (or the render error), the lint report and the
Kubernetes schema errors; and checkov's failed and skipped checks over every case's manifests.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import helm_python as helm
import kubernetes_validate
import yaml

RELEASE, NAMESPACE = "eoffice", "eoffice"


def _render_case(chart: helm.Chart, chart_dir: str, values: dict, kube_version: str, out: Path) -> dict:
    try:
        rendered = chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
    except helm.HelmError as error:
        return {"error": str(error)}
    objects, notes, errors = [], "", []
    for template, text in sorted(rendered.items()):
        if template.endswith("NOTES.txt"):
            notes = text
            continue
        documents = [doc for doc in yaml.safe_load_all(text) if doc]
        if documents:
            (out / template.replace("/", "_")).write_text(text)
        for doc in documents:
            objects.append({"template": template, "object": doc})
            try:
                kubernetes_validate.validate(doc, kube_version, strict=True)
            except kubernetes_validate.ValidationError as error:
                errors.append(f"{template} {doc['kind']}/{doc['metadata']['name']}: {error.message}")
    lint = helm.lint(chart_dir, values, strict=True, kube_version=f"v{kube_version}", namespace=NAMESPACE)
    return {"objects": objects, "notes": notes, "validation_errors": errors, "lint": lint}


def _checkov(directory: Path) -> dict[str, dict]:
    """One checkov run (its start-up is most of its time) over every folder of `directory`, by folder."""
    command = [str(Path(sys.executable).with_name("checkov")), "--framework", "kubernetes", "dockerfile"]
    command += ["--output", "json", "--compact", "--skip-download", "--directory", str(directory)]
    run = subprocess.run(command, capture_output=True, text=True, check=False)
    folders = {folder.name: {"failed": [], "skipped": [], "passed": 0} for folder in directory.iterdir()}
    if not run.stdout.strip():
        return {name: {**report, "error": run.stderr[-2000:]} for name, report in folders.items()}
    reports = json.loads(run.stdout)
    for report in reports if isinstance(reports, list) else [reports]:
        results = report.get("results", {})
        for check in results.get("passed_checks", []):
            folders[_folder(check)]["passed"] += 1
        for check in results.get("failed_checks", []):
            folders[_folder(check)]["failed"].append(
                f"{check['check_id']} {check['resource']} ({check['check_name']}) in {check['file_path']}"
            )
        for check in results.get("skipped_checks", []):
            folders[_folder(check)]["skipped"].append(
                {
                    "check": check["check_id"],
                    "resource": check["resource"],
                    "reason": check.get("check_result", {}).get("suppress_comment", ""),
                }
            )
    return folders


def _folder(check: dict) -> str:
    return Path(check["file_path"]).parts[1]


def main() -> None:
    request = json.load(sys.stdin)
    chart = helm.Chart.load(request["chart"])
    answer: dict = {"cases": {}}
    with tempfile.TemporaryDirectory() as scratch:
        for name, values in request["cases"].items():
            out = Path(scratch) / name
            out.mkdir()
            answer["cases"][name] = _render_case(
                chart, request["chart"], values, request["kube_version"], out
            )
        scanned = Path(scratch) / "scanned"
        scanned.mkdir()
        for name in request.get("scan", []):
            if "error" not in answer["cases"][name]:
                (Path(scratch) / name).rename(scanned / name)
        # checkov recognises the format by the name Dockerfile; Podman's Containerfile is the same format.
        (scanned / "image").mkdir()
        (scanned / "image" / "Dockerfile").write_text(Path(request["containerfile"]).read_text())
        answer["checkov"] = _checkov(scanned)
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
