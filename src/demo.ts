/**
 * Demo mode: with no provider configured, `npm start` runs the five emulators in-process on loopback,
 * seeded with demo data, and points copygraph at them.
 */
import { type EmulatorSet, QINIU_DEMO, startDemoEmulators } from '../emulators/index.ts';
import type { Config } from './config.ts';

export interface Demo {
  readonly config: Config;
  readonly emulators: EmulatorSet;
}

export async function startDemo(config: Config): Promise<Demo> {
  const emulators = await startDemoEmulators();
  return {
    emulators,
    config: {
      ...config,
      urls: emulators.urls,
      credentials: {
        qiniu: { accessKey: QINIU_DEMO.accessKey, secretKey: QINIU_DEMO.secretKey },
        coze: { token: 'pat_demo' },
        feishu: { appId: 'cli_demo', appSecret: 'demo-secret' },
        pan123: { clientId: 'demo-client', clientSecret: 'demo-secret' },
        blue: { tokenId: 'pat_demo', tokenSecret: 'demo-secret', companyId: 'demo-co', projectId: 'roadmap' },
      },
    },
  };
}

/** The first operation printed by the banner; it works when pasted into Sandbox. */
export const FIRST_OPERATION = `mutation {
  copyObject(input: {
    source: { bucket: "${QINIU_DEMO.sourceBucket}", key: "photos/sunflower.jpg" }
    destination: { bucket: "${QINIU_DEMO.backupBucket}", key: "photos/sunflower.jpg" }
  }) {
    __typename
    ... on CopyTask { id status result { ... on StorageObject { bucket key hash fsize } } }
    ... on CopyError { code message }
  }
}`;

export function demoBanner(url: string, open: boolean): string {
  return [
    '',
    '  copygraph is running in DEMO MODE: no provider is configured, so it talks to built-in emulators',
    '  of Qiniu, Coze, Feishu, 123pan and Blue on loopback, seeded with demo data. Nothing leaves this machine.',
    '',
    `  Sandbox:   ${url}   (open it in a browser; Apollo Sandbox loads from Apollo's CDN)`,
    `  Explorer:  ${url.replace(/\/graphql$/, '/graphiql')}   (GraphiQL served by copygraph itself: works with no internet)`,
    `  WebSocket: ${url.replace(/^http/, 'ws')}`,
    open ? '  Access:    open (no API key needed; demo mode on loopback only)' : '  Access:    send Authorization: Bearer <one of COPYGRAPH_API_KEYS>',
    '',
    '  Paste this first operation:',
    '',
    ...FIRST_OPERATION.split('\n').map((l) => `    ${l}`),
    '',
    '  Then watch it: subscription { copyTaskUpdated(id: "<the id>") { status isFinal } }',
    '  The README ("The five copies") has a first operation for Coze, 123pan, Feishu and Blue too.',
    '',
  ].join('\n');
}
