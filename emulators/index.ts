/**
 * All five emulators together, seeded with demo data: what `npm start` (demo mode),
 * `npm run emulators` and the benchmarks run. Each also runs alone (`new QiniuEmulator().start()`).
 */
import { BLUE_DEMO, BlueEmulator } from './blue.ts';
import { COZE_DEMO, CozeEmulator } from './coze.ts';
import { FEISHU_DEMO, FeishuEmulator } from './feishu.ts';
import { PAN123_DEMO, Pan123Emulator } from './pan123.ts';
import { QINIU_DEMO, QiniuEmulator } from './qiniu.ts';

export interface EmulatorSet {
  readonly qiniu: QiniuEmulator;
  readonly coze: CozeEmulator;
  readonly feishu: FeishuEmulator;
  readonly pan123: Pan123Emulator;
  readonly blue: BlueEmulator;
  /** Base URLs, as the datasources want them. */
  readonly urls: {
    readonly qiniuRs: string;
    readonly qiniuRsf: string;
    readonly coze: string;
    readonly feishu: string;
    readonly pan123: string;
    readonly blue: string;
  };
  close(): Promise<void>;
}

export interface EmulatorPorts {
  readonly qiniu?: number;
  readonly coze?: number;
  readonly feishu?: number;
  readonly pan123?: number;
  readonly blue?: number;
}

export { BLUE_DEMO, COZE_DEMO, FEISHU_DEMO, PAN123_DEMO, QINIU_DEMO };

/** Starts the five emulators on loopback (port 0 unless given) with their demo data. */
export async function startDemoEmulators(ports: EmulatorPorts = {}, host = '127.0.0.1'): Promise<EmulatorSet> {
  const qiniu = new QiniuEmulator();
  const coze = new CozeEmulator();
  const feishu = new FeishuEmulator();
  const pan123 = new Pan123Emulator();
  const blue = new BlueEmulator();
  qiniu.seedDemo();
  coze.seedDemo();
  feishu.seedDemo();
  pan123.seedDemo();
  blue.seedDemo();
  const [q, c, f, p, b] = await Promise.all([
    qiniu.start({ port: ports.qiniu ?? 0, host }),
    coze.start({ port: ports.coze ?? 0, host }),
    feishu.start({ port: ports.feishu ?? 0, host }),
    pan123.start({ port: ports.pan123 ?? 0, host }),
    blue.start({ port: ports.blue ?? 0, host }),
  ]);
  return {
    qiniu,
    coze,
    feishu,
    pan123,
    blue,
    urls: { qiniuRs: q.url, qiniuRsf: q.url, coze: c.url, feishu: f.url, pan123: p.url, blue: `${b.url}/graphql` },
    close: async () => {
      await Promise.all([qiniu.close(), coze.close(), feishu.close(), pan123.close(), blue.close()]);
    },
  };
}
