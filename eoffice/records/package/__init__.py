"""The archive package of a hand-over (docs/records-package.md): a zip written as a stream, never held in
memory, with the metadata as XML and CSV, the files, and a SHA-256 manifest (write.py); and its import into
an empty instance, which restores the case files, their documents and files identically (read.py)."""

from eoffice.records.package.layout import NAMESPACE
from eoffice.records.package.read import PackageInvalid, import_package
from eoffice.records.package.write import export_package, package_name

__all__ = ["NAMESPACE", "PackageInvalid", "export_package", "import_package", "package_name"]
