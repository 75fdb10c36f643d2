"""Tests of the deployment: the Helm chart (helm/eoffice), the Containerfile, and the server processes
(metrics, JSON logs, scale-out behind nginx)."""
