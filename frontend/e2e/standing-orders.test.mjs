// Standing orders in a real Chromium against the real API through the SWA CLI emulator: a customer
// sets up a monthly order, sees it listed with its next date, pauses and resumes it, then cancels
// it, each after confirming, and the API holds each state. Its own stack (the host's timer runs
// there every 10 minutes: the order's first date is days ahead, so the timer never pays it here).
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { after, before, test } from 'node:test'
import { button, field, startStack } from './harness.mjs'

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
const TIMEOUT = { timeout: 180_000 }
const run = Date.now().toString(36).slice(-5)
let stack
let serial = 0


before(async () => {
  stack = await startStack()
}, TIMEOUT)

after(async () => {
  await stack?.stop()
})

async function register() {
  serial += 1
  const person = { username: `e2e_so${serial}_${run}`, password: `Standing-pass-${serial}` }
  const response = await fetch(`${stack.apiUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      username: person.username,
      password: person.password,
      password_confirmation: person.password,
      full_name: 'Ciara Standing',
      email: `so${serial}.${run}@example.com`,
      country: 'IE',
    }),
  })
  const body = await response.text()
  assert.equal(response.status, 201, body)
  person.account = JSON.parse(body).account.number
  return person
}

/** What the API holds for the person's orders, read with a token of its own. */
async function ordersOf(person) {
  const login = await fetch(`${stack.apiUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: person.username, password: person.password }),
  })
  const { access_token: token } = await login.json()
  const listed = await fetch(`${stack.apiUrl}/api/standing-orders`, { headers: { Authorization: `Bearer ${token}` } })
  assert.equal(listed.status, 200)
  return (await listed.json()).items
}

function dublinDay(offsetDays) {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Dublin' }).format(new Date())
  const [y, m, d] = today.split('-').map(Number)
  return new Date(Date.UTC(y, m - 1, d + offsetDays)).toISOString().slice(0, 10)
}

/** axe-core's serious and critical findings on the page as it is now (WCAG 2.1 A and AA). */
async function seriousA11yFindings(page) {
  await page.evaluate(axeSource)
  return page.evaluate(async () => {
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`)
  })
}

const shown = (iso) => new Intl.DateTimeFormat('en-IE', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${iso}T00:00:00Z`))

test('a customer sets up a monthly order, sees its next date, pauses, resumes and cancels it', TIMEOUT, async () => {
  const payer = await register()
  const landlord = await register()
  const page = await (await stack.newContext()).newPage()
  page.setDefaultTimeout(20_000)
  await page.goto(`${stack.baseUrl}/sign-in`)
  await field(page, 'Username').fill(payer.username)
  await field(page, 'Password').fill(payer.password)
  await button(page, 'Sign in').click()
  await page.waitForURL(/\/dashboard/)

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Standing orders' }).click()
  await page.getByRole('heading', { level: 1, name: 'Standing orders' }).waitFor()
  await page.getByText('You have no standing orders.').waitFor()

  const firstDate = dublinDay(5)
  await field(page, 'Recipient account number').fill(landlord.account)
  await field(page, 'Amount').fill('650,00')
  await field(page, 'Description (optional)').fill('Rent')
  await field(page, 'How often').selectOption('monthly')
  await field(page, 'First payment').fill(firstDate)
  await button(page, 'Set up standing order').click()
  await page.getByTestId('standing-notice').getByText('Standing order set up').waitFor()

  const row = page.getByTestId('standing-orders').locator('tbody tr').first()
  assert.equal(await row.getByTestId('next-date').textContent(), shown(firstDate))
  assert.match(await row.textContent(), /Every month on day \d+/)
  assert.equal((await row.getByTestId('order-status').textContent()).trim(), 'Active')
  let [held] = await ordersOf(payer)
  assert.deepEqual([held.status, held.next_date, held.amount, held.to_account, held.frequency],
    ['active', firstDate, '650.00', landlord.account, 'monthly'])

  await button(row, 'Pause').click()
  await page.getByTestId('confirm').getByText('Pause this standing order?').waitFor()
  assert.deepEqual(await seriousA11yFindings(page), [], 'the page with its list, form and confirmation')
  await button(page, 'Yes, pause it').click()
  await row.getByTestId('order-status').getByText('Paused').waitFor()
  ;[held] = await ordersOf(payer)
  assert.equal(held.status, 'paused')

  await button(row, 'Resume').click()
  await button(page, 'Yes, resume it').click()
  await row.getByTestId('order-status').getByText('Active').waitFor()
  ;[held] = await ordersOf(payer)
  assert.deepEqual([held.status, held.next_date], ['active', firstDate])

  await button(row, 'Cancel').click()
  await page.getByTestId('confirm').getByText('Cancel this standing order for good?').waitFor()
  await button(page, 'Yes, cancel it').click()
  await row.getByTestId('order-status').getByText('Cancelled').waitFor()
  assert.equal(await row.getByTestId('next-date').textContent(), '—')
  assert.equal(await button(row, 'Pause').count(), 0)
  ;[held] = await ordersOf(payer)
  assert.deepEqual([held.status, held.next_date], ['cancelled', null])

  // After a reload the page shows what the API holds.
  await page.reload()
  await page.getByTestId('standing-orders').locator('tbody tr').first().getByTestId('order-status').getByText('Cancelled').waitFor()
})
