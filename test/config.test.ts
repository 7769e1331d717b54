import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('runs demo mode, open on loopback, when no provider is configured', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ demo: true, host: '127.0.0.1', port: 4000, introspection: true, env: 'development' });
    expect(config.apiKeys.size).toBe(0);
  });

  it('names every bad variable and what is wrong with it', () => {
    const found = problems({ PORT: 'abc', LOG_LEVEL: 'loud', COZE_BASE_URL: 'ftp://x', COPYGRAPH_API_KEYS: 'nocolon' });
    expect(found.some((p) => p.startsWith('PORT:'))).toBe(true);
    expect(found.some((p) => p.startsWith('LOG_LEVEL:'))).toBe(true);
    expect(found.some((p) => p.startsWith('COZE_BASE_URL:'))).toBe(true);
    expect(found.some((p) => p.startsWith('COPYGRAPH_API_KEYS:'))).toBe(true);
  });

  it('asks for the other half of a credential pair', () => {
    expect(problems({ QINIU_ACCESS_KEY: 'ak', COPYGRAPH_API_KEYS: 'a:0123456789abcdef' })).toEqual(['QINIU_SECRET_KEY: required when QINIU_ACCESS_KEY is set']);
  });

  it('requires API keys outside demo mode or off loopback, and never prints their values', () => {
    const found = problems({ COZE_TOKEN: 'pat_secret_value' });
    expect(found).toEqual(['COPYGRAPH_API_KEYS: required unless copygraph runs in demo mode on a loopback HOST']);
    expect(problems({ HOST: '0.0.0.0' })).toHaveLength(1);
    expect(JSON.stringify(problems({ COPYGRAPH_API_KEYS: 'alice:short' }))).not.toContain('short');
  });

  it('leaves demo mode once a provider is configured, and turns introspection off in production', () => {
    const config = loadConfig({ NODE_ENV: 'production', COZE_TOKEN: 'pat_x', COPYGRAPH_API_KEYS: 'alice:0123456789abcdef' });
    expect(config.demo).toBe(false);
    expect(config.introspection).toBe(false);
    expect(config.corsOrigins).toEqual([]);
    expect(config.apiKeys.get('0123456789abcdef')).toBe('alice');
    expect(config.credentials.coze).toEqual({ token: 'pat_x' });
  });
});
