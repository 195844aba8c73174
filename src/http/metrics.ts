// Prometheus text exposition (format 0.0.4) for GET /metrics: no client library needed for a few gauges.
export interface MetricSample {
  name: string;
  help: string;
  type: "gauge" | "counter";
  value: number;
  labels?: Readonly<Record<string, string>>;
}

export function renderPrometheus(samples: readonly MetricSample[]): string {
  const lines: string[] = [];
  const described = new Set<string>();
  for (const sample of samples) {
    if (!described.has(sample.name)) {
      described.add(sample.name);
      lines.push(`# HELP ${sample.name} ${sample.help}`, `# TYPE ${sample.name} ${sample.type}`);
    }
    const labels = sample.labels ? `{${Object.entries(sample.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}` : "";
    lines.push(`${sample.name}${labels} ${Number.isFinite(sample.value) ? sample.value : 0}`);
  }
  return `${lines.join("\n")}\n`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}
