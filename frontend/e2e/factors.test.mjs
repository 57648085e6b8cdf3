// Second factors in a real Chromium against the real API (issue 17): a customer sets up an
// authenticator app on the Security page and signs in with password and a code computed here
// (RFC 6238); a customer registers a passkey in Chromium's virtual authenticator (DevTools
// protocol) and signs in with it alone. Served on localhost: a WebAuthn relying party id.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { asBrowser, button, field, nextTotp, rememberTotp, sessionCookie, signInPage, startStack } from './harness.mjs'

const TIMEOUT = { timeout: 240_000 }
const run = Date.now().toString(36).slice(-5)
let stack
let serial = 0
const pageErrors = []

before(async () => {
  stack = await startStack()
}, TIMEOUT)

after(async () => {
  await stack?.stop()
})

async function newPage() {
  const page = await (await stack.newContext()).newPage()
  page.setDefaultTimeout(20_000)
  page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) pageErrors.push(message.text())
  })
  return page
}

async function register() {
  serial += 1
  const person = { username: `e2e_f${serial}_${run}`, password: `Factor-pass-${serial}x` }
  const response = await fetch(`${stack.apiUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      username: person.username,
      password: person.password,
      password_confirmation: person.password,
      full_name: 'Gráinne Factor',
      email: `f${serial}.${run}@example.com`,
      country: 'IE',
    }),
  })
  assert.equal(response.status, 201, await response.text())
  return person
}

/** What the API holds for the page's signed-in person (through its own cookie). */
async function apiAs(page, path) {
  const response = await fetch(`${stack.apiUrl}/api${path}`, { headers: asBrowser(await sessionCookie(page)) })
  assert.equal(response.status, 200, await response.clone().text())
  return response.json()
}

async function signOut(page) {
  const loggedOut = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/auth/logout')
  await page.getByRole('button', { name: /^Sign out e2e_/ }).click()
  assert.equal((await loggedOut).status(), 204)
  assert.equal(await sessionCookie(page), null)
}

test('a customer sets up the authenticator app, then signs in with password and a code from it', TIMEOUT, async () => {
  const person = await register()
  const page = await newPage()
  await signInPage(page, stack.baseUrl, person.username, person.password, /\/dashboard/)
  await page.getByTestId('factor-prompt').getByRole('link', { name: 'Set up a second factor' }).click()
  await page.waitForURL(/\/security/)

  await button(page, 'Set up an authenticator app').click()
  const qr = page.getByTestId('totp-qr')
  await qr.waitFor()
  assert.match(await qr.getAttribute('src'), /^data:image\/svg\+xml/)
  await page.waitForFunction(() => { const img = document.querySelector('[data-testid="totp-qr"]'); return img?.complete && img.naturalWidth > 0 }, undefined, { timeout: 5000 })
  const secret = (await page.getByTestId('totp-secret').textContent()).replace(/\s+/g, '')
  assert.match(secret, /^[A-Z2-7]{16,}$/)
  await field(page, 'Code from the app').fill(await nextTotp(secret))
  await button(page, 'Confirm the app').click()
  const codes = page.getByTestId('recovery-codes').getByRole('listitem')
  await codes.first().waitFor()
  assert.equal(await codes.count(), 10)
  await page.getByTestId('totp-status').waitFor()
  const held = await apiAs(page, '/me/factors')
  assert.equal(held.totp, true)
  assert.equal(held.recovery_codes_left, 10)
  await button(page, 'I have saved them').click()

  await signOut(page)
  rememberTotp(person.username, secret)
  await page.goto(`${stack.baseUrl}/sign-in`)
  await field(page, 'Username').fill(person.username)
  await field(page, 'Password').fill(person.password)
  await button(page, 'Sign in').click()
  // The password alone starts no session: the factor step asks for the code.
  const code = page.getByLabel(/^Code from your authenticator app, or a recovery code/)
  await code.waitFor()
  assert.equal(await sessionCookie(page), null)
  await code.fill(await nextTotp(secret))
  await button(page, 'Sign in').click()
  await page.waitForURL(/\/dashboard/)
  await page.getByRole('heading', { level: 1, name: /^Hello,/ }).waitFor()
  assert.equal((await apiAs(page, '/auth/session')).user.username, person.username)
  assert.deepEqual(pageErrors, [])
})

test('a customer registers a passkey in the virtual authenticator and signs in with it alone', TIMEOUT, async () => {
  const person = await register()
  const page = await newPage()
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('WebAuthn.enable')
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  })
  await signInPage(page, stack.baseUrl, person.username, person.password, /\/dashboard/)
  await page.goto(`${stack.baseUrl}/security`)
  await field(page, 'Name of the new passkey').fill('Test laptop')
  await button(page, 'Add a passkey').click()
  await page.getByText('Passkey "Test laptop" added.').waitFor()
  const listed = await apiAs(page, '/me/passkeys')
  assert.deepEqual(listed.items.map((p) => p.name), ['Test laptop'])
  assert.equal(listed.items[0].last_used_at, null)
  // The passkey counts as a second factor: recovery codes can be made beside it.
  await page.locator('#recovery-heading').waitFor()

  await signOut(page)
  await page.goto(`${stack.baseUrl}/sign-in`)
  await button(page, 'Sign in with a passkey').click()
  await page.waitForURL(/\/dashboard/)
  await page.getByRole('heading', { level: 1, name: /^Hello,/ }).waitFor()
  const after = await apiAs(page, '/me/passkeys')
  assert.notEqual(after.items[0].last_used_at, null, 'the sign-in used the passkey')
  assert.equal((await apiAs(page, '/auth/session')).user.username, person.username)
  assert.deepEqual(pageErrors, [])
})
