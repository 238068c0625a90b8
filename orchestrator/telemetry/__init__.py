"""Telemetry layer: KPIs and their report, Prometheus metrics, OpenTelemetry tracing."""
