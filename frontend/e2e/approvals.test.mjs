// Dual control of large cash deposits (issue 16) in a real Chromium against the real API through
// the SWA CLI emulator: admin A takes a deposit above DEPOSIT_APPROVAL_THRESHOLD and is told it
// waits for a second admin; A sees it as waiting, without buttons; admin B (created through the
// API) approves it, and the customer's balance moves exactly once. And the open-account limit as a
// customer meets it.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { ADMIN, apiSignIn, button, enrolTotp, field, signInPage, startStack } from './harness.mjs'

const TIMEOUT = { timeout: 180_000 }
const run = Date.now().toString(36).slice(-5)
let stack
let serial = 0

const spaced = (number) => number.replace(/(.{4})/g, '$1 ').trim()

before(async () => {
  stack = await startStack()
}, TIMEOUT)

after(async () => {
  await stack?.stop()
})

async function newPage() {
  const page = await (await stack.newContext()).newPage()
  page.setDefaultTimeout(20_000)
  return page
}

async function call(method, path, { token, body, key } = {}) {
  const headers = { 'Content-Type': 'application/json' }
  if (token) headers.Authorization = `Bearer ${token}`
  if (key) headers['Idempotency-Key'] = key
  const response = await fetch(`${stack.apiUrl}/api${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : null }
}

async function token(username, password) {
  return (await apiSignIn(stack.apiUrl, username, password)).access_token
}

async function register() {
  serial += 1
  const person = { username: `e2e_a${serial}_${run}`, password: `Approval-pass-${serial}`, fullName: 'Siobhán Approval' }
  const made = await call('POST', '/auth/register', {
    body: {
      username: person.username,
      password: person.password,
      password_confirmation: person.password,
      full_name: person.fullName,
      email: `a${serial}.${run}@example.com`,
      country: 'IE',
    },
  })
  assert.equal(made.status, 201, JSON.stringify(made.body))
  person.account = made.body.account.number
  person.token = await token(person.username, person.password)
  return person
}

async function signIn(page, username, password) {
  await signInPage(page, stack.baseUrl, username, password, /\/(dashboard|staff\/users)/)
}

test('admin A deposits above the threshold and it waits; admin B approves it and the balance moves once', TIMEOUT, async () => {
  const customer = await register()

  // Admin A takes 25,000.00 in cash: above the 10,000.00 threshold, so it waits.
  const pageA = await newPage()
  await signIn(pageA, ADMIN.username, ADMIN.password)
  await pageA.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Cash deposit' }).click()
  await field(pageA, 'Account number').fill(spaced(customer.account))
  await field(pageA, "Amount in the account's currency").fill('25000')
  await field(pageA, 'Description (optional)').fill('Cash from the sale of a car')
  await button(pageA, 'Review deposit').click()
  await button(pageA, 'Confirm deposit').click()
  const waiting = await pageA.getByTestId('deposit-awaiting').textContent()
  assert.match(waiting, /Waiting for a second admin's approval/)
  assert.match(waiting, /€25,000\.00/)
  assert.match(waiting, /nothing has been paid in yet/)
  assert.equal((await call('GET', `/accounts/${customer.account}`, { token: customer.token })).body.balance, '0.00')

  // A sees it on the approvals page as waiting for another admin, with no buttons to decide it.
  await pageA.getByRole('link', { name: 'Approvals', exact: true }).first().click()
  const rowA = pageA.getByTestId('approval-row').filter({ hasText: spaced(customer.account) })
  await rowA.getByTestId('approval-waiting').waitFor()
  assert.equal(await rowA.getByRole('button').count(), 0)

  // Admin B, created through the API by A, signs in and approves it behind a confirmation.
  const tokenA = await token(ADMIN.username, ADMIN.password)
  const b = { username: `e2e_b_${run}`, password: `Checker-pass-${run}-9` }
  const created = await call('POST', '/manage/users', {
    token: tokenA,
    body: { username: b.username, password: b.password, full_name: 'Second Admin', email: `b.${run}@example.com`, country: 'IE', role: 'admin' },
  })
  assert.equal(created.status, 201, JSON.stringify(created.body))
  // Staff must hold a second factor before the back office opens: B sets up an authenticator app.
  await enrolTotp(stack.apiUrl, b.username, b.password)
  const pageB = await newPage()
  await signIn(pageB, b.username, b.password)
  await pageB.goto(`${stack.baseUrl}/staff/approvals`)
  const rowB = pageB.getByTestId('approval-row').filter({ hasText: spaced(customer.account) })
  await rowB.getByText('Taken by e2e-staff').waitFor()
  assert.match(await rowB.textContent(), /€25,000\.00/)
  assert.match(await rowB.textContent(), /Siobhán Approval/)
  await rowB.getByRole('button', { name: 'Approve…' }).click()
  await rowB.getByText('The money is paid in at once.').waitFor()
  await rowB.getByRole('button', { name: 'Yes, approve deposit' }).click()
  assert.match(await pageB.getByTestId('approval-done').textContent(), /Approved: €25,000\.00 paid into/)
  await rowB.getByTestId('approval-status').filter({ hasText: 'Approved' }).waitFor()

  // The money moved once; approving again (as B over the API) is refused and moves nothing.
  assert.equal((await call('GET', `/accounts/${customer.account}`, { token: customer.token })).body.balance, '25000.00')
  const approvals = await call('GET', '/manage/approvals?status=approved&limit=200', { token: tokenA })
  const decided = approvals.body.items.find((item) => item.account === customer.account)
  assert.equal(decided.maker, ADMIN.username)
  assert.equal(decided.checker, b.username)
  const again = await call('POST', `/manage/approvals/${decided.id}/approve`, { token: await token(b.username, b.password) })
  assert.equal(again.status, 409)
  const history = await call('GET', '/transactions', { token: customer.token })
  assert.deepEqual(history.body.items.map((entry) => entry.amount), ['25000.00'])
  assert.equal((await call('GET', `/accounts/${customer.account}`, { token: customer.token })).body.balance, '25000.00')
})

test('a customer at the account limit is told plainly and nothing is opened', TIMEOUT, async () => {
  const customer = await register()
  for (let i = 0; i < 9; i++) {
    const opened = await call('POST', '/accounts', { token: customer.token, body: { name: `Pot ${i}`, currency: 'EUR' } })
    assert.equal(opened.status, 201, JSON.stringify(opened.body))
  }
  const page = await newPage()
  await signIn(page, customer.username, customer.password)
  await page.getByTestId('account-card').nth(9).waitFor()
  await field(page, 'Account name').fill('One too many')
  await button(page, 'Open account').click()
  const summary = await page.getByTestId('error-summary').textContent()
  assert.match(summary, /You already have 10 open accounts, the most IE Bank allows/)
  assert.match(summary, /Close an account you no longer use/)
  assert.equal(await page.getByTestId('account-card').count(), 10)
  assert.equal((await call('GET', '/accounts', { token: customer.token })).body.items.length, 10)
})
