import { startStack, ALICE } from './test/helpers/stack.ts';
const s = await startStack({ env: { LOG_LEVEL: 'debug' } });
const r = await fetch(s.app.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}` }, body: JSON.stringify({ query: 'subscription { copyTaskUpdated(id: "x") { id } }' }) });
console.log(r.status, await r.text());
const r2 = await fetch(s.app.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'multipart/mixed;subscriptionSpec="1.0", application/json', authorization: `Bearer ${ALICE}` }, body: JSON.stringify({ query: 'subscription { copyTaskUpdated(id: "x") { id } }' }) });
console.log(r2.status, await r2.text());
await s.close();
