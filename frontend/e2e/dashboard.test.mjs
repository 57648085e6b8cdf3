// The dashboard's latest movements and the account page's balance chart, in a real Chromium against
// the real API and PostgreSQL through the SWA CLI emulator: a transfer made in the page appears
// among the latest movements; the chart (uPlot, fetched only on the account page) draws and its
// summary states the balance the API holds.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { after, before, test } from 'node:test'
import { ADMIN, apiSignIn, button, field, startStack } from './harness.mjs'

const require = createRequire(import.meta.url)
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')
const TIMEOUT = { timeout: 180_000 }
const run = Date.now().toString(36).slice(-5)
const person = { username: `e2e_d_${run}`, password: 'Dashboard-pass-1' }
let stack
let page
let acc1 = ''
let acc2 = ''
const pageErrors = []
const scriptsLoaded = []


async function apiToken(username, password) {
  return (await apiSignIn(stack.apiUrl, username, password)).access_token
}

async function apiCall(token, method, path, body, extraHeaders = {}) {
  const response = await fetch(`${stack.apiUrl}/api${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...extraHeaders },
    body: body ? JSON.stringify(body) : undefined,
  })
  const text = await response.text()
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`)
  return JSON.parse(text)
}

before(async () => {
  stack = await startStack()
  // A customer with two accounts and a cash deposit, set up through the API.
  const registered = await fetch(`${stack.apiUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...person, password_confirmation: person.password, full_name: 'Orla Dashboard',
      email: `d.${run}@example.com`, country: 'IE' }),
  })
  assert.equal(registered.status, 201, await registered.clone().text())
  acc1 = (await registered.json()).account.number
  const token = await apiToken(person.username, person.password)
  acc2 = (await apiCall(token, 'POST', '/accounts', { name: 'Savings', currency: 'EUR' })).number
  const staff = await apiToken(ADMIN.username, ADMIN.password)
  await apiCall(staff, 'POST', `/manage/accounts/${acc1}/deposits`, { amount: '100.00', description: 'Opening cash' },
    { 'Idempotency-Key': randomUUID() })

  page = await (await stack.newContext()).newPage()
  page.setDefaultTimeout(20_000)
  page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) pageErrors.push(message.text())
  })
  page.on('request', (request) => {
    if (request.resourceType() === 'script') scriptsLoaded.push({ url: request.url(), at: page.url() })
  })
  await page.goto(`${stack.baseUrl}/sign-in`)
  await field(page, 'Username').fill(person.username)
  await field(page, 'Password').fill(person.password)
  await button(page, 'Sign in').click()
  await page.waitForURL(/\/dashboard/)
}, TIMEOUT)

after(async () => {
  await stack?.stop()
})

test('a transfer made in the page appears first among the dashboard’s latest movements, with a link to the history', TIMEOUT, async () => {
  await page.goto(`${stack.baseUrl}/transfer?from=${acc1}`)
  await field(page, 'From account').selectOption(acc1)
  await field(page, 'Recipient account number').fill(acc2)
  await field(page, 'Amount (EUR)').fill('12.34')
  await field(page, 'Description (optional)').fill('Chart money')
  await button(page, 'Review transfer').click()
  await page.getByTestId('transfer-review').waitFor()
  await button(page, 'Confirm and send').click()
  await page.getByTestId('transfer-done').filter({ hasText: 'New balance' }).waitFor()

  await page.goto(`${stack.baseUrl}/dashboard`)
  const latest = page.getByTestId('latest-movements')
  await latest.getByTestId('transaction').first().waitFor()
  const rows = await latest.getByTestId('transaction').allTextContents()
  // Both legs of the transfer (the customer owns both accounts), newest first, then the deposit.
  assert.equal(rows.length, 3)
  assert.match(rows[0], /Chart money/)
  assert.match(rows[0], /Savings/)
  assert.match(rows[0], /\+€12\.34/)
  assert.match(rows[1], /−€12\.34/)
  assert.match(rows[2], /Cash deposit|Opening cash/)
  await latest.getByRole('link', { name: 'All your history' }).click()
  await page.waitForURL(/\/history$/)
  assert.deepEqual(pageErrors, [])
})

test('the account page draws the balance over time, its summary states the balance the API holds, and only it loads the chart', TIMEOUT, async () => {
  const chartScript = () => scriptsLoaded.filter((s) => /uPlot/i.test(s.url))
  assert.deepEqual(chartScript(), [], 'the chart library is not fetched before the account page')
  await page.goto(`${stack.baseUrl}/accounts/${acc1}`)
  const chart = page.getByTestId('balance-chart')
  await chart.locator('canvas').waitFor()
  const summary = await chart.getByTestId('balance-summary').textContent()
  assert.match(summary, /^Balance now €87\.66\./)
  assert.match(summary, /lowest at €87\.66 and highest at €100\.00/)
  assert.equal(chartScript().length, 1)
  assert.match(chartScript()[0].at, /\/accounts\//)
  // The canvas is hidden from screen readers; the table says the same, row by row.
  assert.equal(await chart.getByTestId('balance-plot').getAttribute('aria-hidden'), 'true')
  await chart.getByText('The balance history as a table').click()
  const table = await chart.getByTestId('balance-row').allTextContents()
  assert.equal(table.length, 2)
  assert.match(table[1], /−€12\.34.*€87\.66/)

  // What the API holds for this account, read outside the page.
  const token = await apiToken(person.username, person.password)
  const held = await apiCall(token, 'GET', `/accounts/${acc1}/balance-history`)
  assert.equal(held.balance, '87.66')
  assert.deepEqual(held.points.map((p) => p.balance), ['100.00', '87.66'])

  await page.evaluate(axeSource)
  const violations = await page.evaluate(async () => {
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`)
  })
  assert.deepEqual(violations, [])
  assert.deepEqual(pageErrors, [])
  if (process.env.E2E_SCREENSHOT_DIR) {
    await page.screenshot({ path: `${process.env.E2E_SCREENSHOT_DIR}/dashboard-balance-chart.png`, fullPage: true })
  }
})
