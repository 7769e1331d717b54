/**
 * `npm run emulators`: the five emulators on fixed loopback ports, seeded with demo data, until
 * Ctrl-C. Point copygraph at them with the printed variables.
 */
import { startDemoEmulators } from './index.ts';

const base = Number(process.env['EMULATOR_BASE_PORT'] ?? 9100);
const set = await startDemoEmulators({ qiniu: base, coze: base + 1, feishu: base + 2, pan123: base + 3, blue: base + 4 });
process.stdout.write(
  [
    'copygraph emulators are running (demo data loaded). Point copygraph at them with:',
    `  QINIU_RS_URL=${set.urls.qiniuRs} QINIU_RSF_URL=${set.urls.qiniuRsf} QINIU_ACCESS_KEY=demo-ak QINIU_SECRET_KEY=demo-sk`,
    `  COZE_BASE_URL=${set.urls.coze} COZE_TOKEN=pat_demo`,
    `  FEISHU_BASE_URL=${set.urls.feishu} FEISHU_APP_ID=cli_demo FEISHU_APP_SECRET=demo-secret`,
    `  PAN123_BASE_URL=${set.urls.pan123} PAN123_CLIENT_ID=demo-client PAN123_CLIENT_SECRET=demo-secret`,
    `  BLUE_ENDPOINT=${set.urls.blue} BLUE_TOKEN_ID=pat_demo BLUE_TOKEN_SECRET=demo-secret BLUE_COMPANY_ID=demo-co BLUE_PROJECT_ID=roadmap`,
    '  and COPYGRAPH_API_KEYS=you:<a key of 16+ characters> (with providers configured, copygraph is not in demo mode).',
    'Control surface: /_emulator/* on each port (calls, faults, latency, clock).',
    '',
  ].join('\n'),
);
const stop = () => void set.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
