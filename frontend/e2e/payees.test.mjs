// Payees and Verification of Payee in a real Chromium against the real API through the SWA CLI
// emulator (issue 16): a payee added with a close match shown before saving, paid from the
// transfer page, and the payee's name in the history; a new number with a wrong name warned about
// on the review and still sendable. What the API then holds is read back over HTTP.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { ADMIN, apiSignIn, button, field, startStack } from './harness.mjs'

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

async function api(path, { token, method = 'GET', body, headers = {} } = {}) {
  const response = await fetch(`${stack.apiUrl}/api${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : null }
}

async function token(username, password) {
  return (await apiSignIn(stack.apiUrl, username, password)).access_token
}

async function register(fullName) {
  serial += 1
  const person = { username: `e2e_p${serial}_${run}`, password: `Payee-pass-${serial}x`, fullName }
  const created = await api('/auth/register', {
    method: 'POST',
    body: {
      username: person.username,
      password: person.password,
      password_confirmation: person.password,
      full_name: fullName,
      email: `p${serial}.${run}@example.com`,
      country: 'IE',
    },
  })
  assert.equal(created.status, 201, JSON.stringify(created.body))
  person.account = created.body.account.number
  return person
}

async function depositInto(account, amount) {
  const staff = await token(ADMIN.username, ADMIN.password)
  const done = await api(`/manage/accounts/${account}/deposits`, {
    method: 'POST', token: staff, body: { amount }, headers: { 'Idempotency-Key': crypto.randomUUID() },
  })
  assert.equal(done.status, 201, JSON.stringify(done.body))
}

async function signedInPage(person) {
  const page = await (await stack.newContext()).newPage()
  page.setDefaultTimeout(20_000)
  await page.goto(`${stack.baseUrl}/sign-in`)
  await field(page, 'Username').fill(person.username)
  await field(page, 'Password').fill(person.password)
  await button(page, 'Sign in').click()
  await page.waitForURL(/\/dashboard/)
  return page
}

const spaced = (number) => number.replace(/(.{4})/g, '$1 ').trim()

test('a payee added after a close match, paid from the transfer page, is named in the history', TIMEOUT, async () => {
  const payer = await register('Aoife Payer')
  const holder = await register('Siobhán Ní Bhriain')
  await depositInto(payer.account, '50.00')
  const page = await signedInPage(payer)

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Payees' }).click()
  await page.getByRole('heading', { level: 1, name: 'Payees' }).waitFor()
  await field(page, 'Name').fill('Siobhan Ni Bhrian')
  await field(page, 'Account number').fill(spaced(holder.account))
  await field(page, 'Reference (optional)').fill('Rent')
  await button(page, 'Check name').click()
  const answer = page.getByTestId('payee-verification')
  await answer.waitFor()
  assert.equal(await answer.getAttribute('data-result'), 'close_match')
  assert.equal(await page.getByTestId('holder-name').textContent(), 'Siobhán Ní Bhriain')
  assert.equal((await api('/payees', { token: await token(payer.username, payer.password) })).body.items.length, 0,
    'nothing is saved before the customer saw the answer')
  await button(page, 'Use Siobhán Ní Bhriain').click()
  await button(page, 'Save payee').click()
  await page.getByRole('status').filter({ hasText: 'Saved Siobhán Ní Bhriain as a payee.' }).waitFor()

  await page.getByTestId('payee').getByRole('link', { name: 'Pay' }).click()
  await page.waitForURL(/\/transfer\?payee=/)
  await field(page, 'From account').selectOption(payer.account) // once the accounts are loaded
  await page.getByRole('option', { name: /^Siobhán Ní Bhriain/ }).waitFor({ state: 'attached' }) // and the payees
  await field(page, 'Amount (EUR)').fill('12.50')
  await button(page, 'Review transfer').click()
  const review = page.getByTestId('transfer-review')
  await review.waitFor()
  assert.match(await review.textContent(), /Siobhán Ní Bhriain/)
  assert.match(await review.textContent(), /Rent/)
  await button(page, 'Confirm and send').click()
  await page.getByTestId('transfer-done').filter({ hasText: 'sent to Siobhán Ní Bhriain' }).waitFor()

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click()
  const counterparty = page.getByTestId('transaction-counterparty').first()
  await counterparty.waitFor()
  assert.equal((await counterparty.textContent()).trim(), `Siobhán Ní Bhriain ${spaced(holder.account)}`)

  const payerToken = await token(payer.username, payer.password)
  const [saved] = (await api('/payees', { token: payerToken })).body.items
  assert.equal(saved.name, 'Siobhán Ní Bhriain')
  assert.ok(saved.last_paid_at, 'the payment set last_paid_at')
  const holderToken = await token(holder.username, holder.password)
  const received = (await api(`/accounts/${holder.account}`, { token: holderToken })).body
  assert.equal(received.balance, '12.50')
})

test('a new number under a wrong name is warned about on the review, and can still be sent', TIMEOUT, async () => {
  const payer = await register('Ciarán Payer')
  const holder = await register('John Murphy')
  await depositInto(payer.account, '20.00')
  const page = await signedInPage(payer)

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Send money' }).click()
  await field(page, 'From account').selectOption(payer.account) // once the accounts are loaded
  await field(page, 'Recipient account number').fill(spaced(holder.account))
  await field(page, "Recipient's name").fill('Mary Byrne')
  await field(page, 'Amount (EUR)').fill('3')
  await button(page, 'Review transfer').click()
  const answer = page.getByTestId('payee-verification')
  await answer.waitFor()
  assert.equal(await answer.getAttribute('data-result'), 'no_match')
  const warning = await answer.textContent()
  assert.match(warning, /the money may go to someone other than the person you mean, and you may not get it back/)
  assert.doesNotMatch(warning, /John|Murphy/, 'no match reveals nothing of the holder')
  await button(page, 'Confirm and send').click()
  await page.getByTestId('transfer-done').waitFor()

  const holderToken = await token(holder.username, holder.password)
  assert.equal((await api(`/accounts/${holder.account}`, { token: holderToken })).body.balance, '3.00')
})
