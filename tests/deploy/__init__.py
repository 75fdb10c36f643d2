"""Tests of the deployment: the Helm chart (helm/eoffice) and the Containerfile."""
