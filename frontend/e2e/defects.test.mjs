// The audit trail's CSV export in a real Chromium (issue 19): staff filter the trail, press
// "Export CSV", and the browser saves a file holding what the table shows, with a stranger's
// formula-shaped text neutralised; the API then holds the export as an audit record.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { after, before, test } from 'node:test'
import { ADMIN, apiSignIn, button, field, signInPage, startStack } from './harness.mjs'

const TIMEOUT = { timeout: 180_000 }
const run = Date.now().toString(36).slice(-5)
let stack


before(async () => {
  stack = await startStack()
}, TIMEOUT)

after(async () => {
  await stack?.stop()
})

const post = (path, body, headers = {}) =>
  fetch(`${stack.apiUrl}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) })

test('staff export the filtered audit trail as a CSV file a spreadsheet opens safely, and the export is audited', TIMEOUT, async () => {
  const typed = `=hyperlink("http://evil.example/${run}","open")`
  assert.equal((await post('/api/auth/login', { username: typed, password: 'Wrong-pass-1' })).status, 401)

  const page = await (await stack.newContext()).newPage()
  page.setDefaultTimeout(20_000)
  await signInPage(page, stack.baseUrl, ADMIN.username, ADMIN.password, /\/staff\/users/)
  await page.goto(`${stack.baseUrl}/staff/audit`)
  await page.getByTestId('audit-row').first().waitFor()

  await field(page, 'Target').fill(typed)
  await button(page, 'Show').click()
  await page.getByText(`Username ${typed}`).waitFor()
  assert.equal(await page.getByTestId('audit-row').count(), 1)

  const [download] = await Promise.all([page.waitForEvent('download'), button(page, 'Export CSV').click()])
  assert.match(download.suggestedFilename(), /^iebank-audit-\d{8}-\d{6}Z\.csv$/)
  const text = (await readFile(await download.path(), 'utf8')).replace(/^\ufeff/, '')
  const lines = text.trimEnd().split('\r\n')
  assert.equal(lines.length, 2, text)
  assert.ok(lines[0].startsWith('"id","created_at_utc","actor","action"'), lines[0])
  assert.ok(lines[1].includes(`"'=hyperlink(""http://evil.example/${run}"",""open"")"`), lines[1])
  assert.ok(lines[1].includes('"auth.login_failed"'), lines[1])
  await page.getByText(`Downloaded ${download.suggestedFilename()}.`).waitFor()

  const signedIn = await apiSignIn(stack.apiUrl, ADMIN.username, ADMIN.password)
  const trail = await fetch(`${stack.apiUrl}/api/manage/audit?action=audit.export&actor=${ADMIN.username}`, {
    headers: { Authorization: `Bearer ${signedIn.access_token}` },
  })
  const [record] = (await trail.json()).items
  assert.deepEqual(record.changes, { filters: { target: typed }, rows: 1 })
})
