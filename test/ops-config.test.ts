/**
 * The operations variables: tracing (the standard OTEL_* variables), the metrics port and retention.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

const base = { COPYGRAPH_DEMO: 'true' };

describe('operations configuration', () => {
  it('leaves tracing off by default and turns it on with the standard endpoint variables', () => {
    expect(loadConfig(base).tracing).toBeUndefined();
    expect(loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toEqual({
      tracesUrl: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
      headers: {},
      serviceName: 'copygraph',
    });
    const both = loadConfig({
      ...base,
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/otlp/v1/traces',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=abc%3D%3D, tenant = blue',
      OTEL_SERVICE_NAME: 'copygraph-eu',
    });
    expect(both.tracing).toEqual({
      tracesUrl: 'https://traces.example.com/otlp/v1/traces',
      protocol: 'http/protobuf',
      headers: { 'x-api-key': 'abc==', tenant: 'blue' },
      serviceName: 'copygraph-eu',
    });
    expect(loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }).tracing).toBeUndefined();
  });

  it('exports in http/protobuf by default (the OTel spec’s default) or http/json, the traces variable winning', () => {
    const tracing = (env: Record<string, string>) => loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', ...env }).tracing?.protocol;
    expect(tracing({})).toBe('http/protobuf');
    expect(tracing({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toBe('http/json');
    expect(tracing({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' })).toBe('http/protobuf');
    expect(tracing({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' })).toBe('http/json');
    expect(tracing({ OTEL_EXPORTER_OTLP_PROTOCOL: '', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: ' http/json ' })).toBe('http/json');
    expect(tracing({ OTEL_EXPORTER_OTLP_PROTOCOL: '' })).toBe('http/protobuf');
  });

  it('refuses grpc, an unknown protocol and malformed headers, naming the variable but not the value', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', ...env });
        return [];
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        return err.problems;
      }
    };
    expect(problems({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toEqual([
      expect.stringMatching(/^OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not supported: use http\/protobuf/),
    ]);
    expect(problems({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/xml' })).toEqual([
      expect.stringMatching(/^OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: expected http\/protobuf or http\/json/),
    ]);
    const bad = problems({ OTEL_EXPORTER_OTLP_HEADERS: 'secret-token-without-key' });
    expect(bad).toEqual([expect.stringMatching(/^OTEL_EXPORTER_OTLP_HEADERS: /)]);
    expect(bad.join()).not.toContain('secret-token-without-key');
  });

  it('reads the metrics port and the retention period', () => {
    const defaults = loadConfig(base);
    expect(defaults.metricsPort).toBeUndefined();
    expect(defaults.retention).toEqual({ maxAgeMs: 30 * 86_400_000, intervalMs: 600_000, batchSize: 500 });
    const set = loadConfig({ ...base, COPYGRAPH_METRICS_PORT: '9464', COPYGRAPH_TASK_RETENTION_DAYS: '7', COPYGRAPH_RETENTION_INTERVAL_S: '60' });
    expect(set.metricsPort).toBe(9464);
    expect(set.retention).toEqual({ maxAgeMs: 7 * 86_400_000, intervalMs: 60_000, batchSize: 500 });
    expect(() => loadConfig({ ...base, COPYGRAPH_TASK_RETENTION_DAYS: '-1' })).toThrow(/COPYGRAPH_TASK_RETENTION_DAYS/);
  });
});
