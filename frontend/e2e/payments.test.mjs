// Payment SCA (issue 17) in a real Chromium against the real API through the SWA CLI emulator: a
// customer who holds an authenticator app sends more than the low-value exemption allows, sees the
// confirmation step with the amount and the payee it is bound to, is refused a wrong code (nothing
// moves), then confirms with a code the test computes (RFC 6238), and the money moves once.
// Funding: the admin signs in with a password and enrols an authenticator app first, which makes
// its session strongly authenticated, as a staff deposit needs.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { ADMIN, apiSignIn, asBrowser, button, field, sessionCookie, startStack, totpAt } from './harness.mjs'

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

/** The RFC 6238 code (SHA-1, 6 digits, 30 s) of a base32 secret at `at` milliseconds. */
const totp = (secret, at = Date.now()) => totpAt(secret, Math.floor(at / 30_000))

async function api(path, { headers = {}, method = 'GET', body } = {}) {
  const response = await fetch(`${stack.apiUrl}/api${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : null }
}

/** Sets up an authenticator app for whoever `headers` signs in as; its secret. */
async function enrolTotp(headers) {
  const started = await api('/me/totp', { method: 'POST', headers })
  assert.equal(started.status, 201, JSON.stringify(started.body))
  const secret = new URL(started.body.otpauth_uri).searchParams.get('secret')
  const confirmed = await api('/me/totp/confirm', { method: 'POST', headers, body: { code: totp(secret) } })
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body))
  return secret
}

async function register(fullName) {
  serial += 1
  const person = { username: `e2e_pay${serial}_${run}`, password: `Payment-pass-${serial}x`, fullName }
  const created = await api('/auth/register', {
    method: 'POST',
    body: { username: person.username, password: person.password, password_confirmation: person.password, full_name: fullName, email: `pay${serial}.${run}@example.com`, country: 'IE' },
  })
  assert.equal(created.status, 201, JSON.stringify(created.body))
  person.account = created.body.account.number
  return person
}

async function bearer(username, password) {
  const signedIn = await api('/auth/login', { method: 'POST', body: { username, password } })
  assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body))
  return { Authorization: `Bearer ${signedIn.body.access_token}` }
}

const spaced = (number) => number.replace(/(.{4})/g, '$1 ').trim()

test('a payment above the exemptions waits on a confirmation step showing amount and payee, refuses a wrong code, and posts once with the right one', TIMEOUT, async () => {
  const payer = await register('Sorcha Payer')
  const payee = await register('Liam Payee')
  // The harness gave the e2e admin an authenticator app; apiSignIn answers its factor step.
  const staff = { Authorization: `Bearer ${(await apiSignIn(stack.apiUrl, ADMIN.username, ADMIN.password)).access_token}` }
  const funded = await api(`/manage/accounts/${payer.account}/deposits`, {
    method: 'POST', headers: { ...staff, 'Idempotency-Key': crypto.randomUUID() }, body: { amount: '200.00' },
  })
  assert.equal(funded.status, 201, JSON.stringify(funded.body))

  const page = await (await stack.newContext()).newPage()
  page.setDefaultTimeout(20_000)
  await page.goto(`${stack.baseUrl}/sign-in`)
  await field(page, 'Username').fill(payer.username)
  await field(page, 'Password').fill(payer.password)
  await button(page, 'Sign in').click()
  await page.waitForURL(/\/dashboard/)
  // The app is set up with this browser's own session (a factor change ends the others).
  const browser = asBrowser(await sessionCookie(page))
  const secret = await enrolTotp(browser)

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Send money' }).click()
  await field(page, 'From account').selectOption(payer.account)
  await field(page, 'Recipient account number').fill(spaced(payee.account))
  await field(page, 'Amount (EUR)').fill('75')
  await button(page, 'Review transfer').click()
  await button(page, 'Confirm and send').click()

  const step = page.getByTestId('payment-confirmation')
  await step.waitFor()
  const binding = await page.getByTestId('payment-binding').textContent()
  assert.match(binding, /75[.,]00/)
  assert.match(binding.replace(/\s/g, ''), new RegExp(payee.account))
  assert.equal(await page.getByRole('button', { name: 'Use a passkey' }).count(), 0, 'no passkey held')
  const balance = async (headers, number) => (await api(`/accounts/${number}`, { headers })).body.balance
  assert.equal(await balance(browser, payer.account), '200.00', 'nothing moved while it waits')

  await field(step, 'Code from your authenticator app, or a recovery code').fill(totp(secret) === '000000' ? '111111' : '000000')
  await step.getByRole('button', { name: 'Confirm and send', exact: true }).click()
  await page.getByRole('alert').filter({ hasText: /attempts? left/ }).waitFor()
  assert.equal(await balance(browser, payer.account), '200.00', 'a wrong code moves nothing')

  // The enrolment used this 30-second step's code: the next step's is accepted (one step of skew).
  await field(step, 'Code from your authenticator app, or a recovery code').fill(totp(secret, Date.now() + 30_000))
  await step.getByRole('button', { name: 'Confirm and send', exact: true }).click()
  const done = await page.getByTestId('transfer-done').textContent()
  assert.match(done, /75[.,]00/)
  assert.equal(await balance(browser, payer.account), '125.00')
  assert.equal(await balance(await bearer(payee.username, payee.password), payee.account), '75.00')
})
