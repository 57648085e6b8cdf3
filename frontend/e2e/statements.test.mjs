// Statements and history filters in a real Chromium against the real API (issue 16): the
// history filtered by text shows only matching rows (and a reload keeps the filter), and a CSV
// statement downloaded from the account page closes on the balance the page shows.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { after, before, test } from 'node:test'
import { ADMIN, apiSignIn, button, field, startStack } from './harness.mjs'

const TIMEOUT = { timeout: 180_000 }
const run = Date.now().toString(36).slice(-5)
let stack
let person


async function call(method, path, body, token, extra = {}) {
  const response = await fetch(`${stack.apiUrl}/api${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...extra },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`)
  return text ? JSON.parse(text) : undefined
}

const signInApi = async (username, password) => (await apiSignIn(stack.apiUrl, username, password)).access_token

before(async () => {
  stack = await startStack()
  person = { username: `e2e_st_${run}`, password: `Statement-pass-${run}-7` }
  const registered = await call('POST', '/auth/register', {
    username: person.username, password: person.password, password_confirmation: person.password,
    full_name: 'Ciara Statement', email: `st.${run}@example.com`, country: 'IE',
  })
  person.account = registered.account.number
  const staff = await signInApi(ADMIN.username, ADMIN.password)
  await call('POST', `/manage/accounts/${person.account}/deposits`, { amount: '250.00', description: 'Opening cash' }, staff,
    { 'Idempotency-Key': `dep-${run}` })
  const token = await signInApi(person.username, person.password)
  const savings = await call('POST', '/accounts', { name: 'Savings', currency: 'EUR' }, token)
  const payments = [['Rent for December', '120.00'], ['Coffee beans', '7.45'], ['rent top-up', '3.10'], ['Bus fare', '2.00']]
  for (const [description, amount] of payments) {
    await call('POST', '/transfers', { from_account: person.account, to_account: savings.number, amount, description }, token,
      { 'Idempotency-Key': `${description}-${run}` })
  }
}, TIMEOUT)

after(async () => {
  await stack?.stop()
})

async function signedInPage() {
  const page = await (await stack.newContext()).newPage()
  page.setDefaultTimeout(20_000)
  await page.goto(`${stack.baseUrl}/sign-in`)
  await field(page, 'Username').fill(person.username)
  await field(page, 'Password').fill(person.password)
  await button(page, 'Sign in').click()
  await page.waitForURL(/\/dashboard/)
  return page
}

const descriptions = (page) => page.getByTestId('transaction').locator('td[data-label="Description"]').allTextContents()

test('history filtered by text shows only the matching rows, and a reload keeps the filter', TIMEOUT, async () => {
  const page = await signedInPage()
  await page.goto(`${stack.baseUrl}/history`)
  await page.getByTestId('transaction').first().waitFor()
  assert.ok((await descriptions(page)).includes('Coffee beans'))
  await field(page, 'Description words').fill('RENT')
  await button(page, 'Apply filters').click()
  await page.waitForURL(/[?&]q=RENT/)
  await page.getByRole('button', { name: 'Clear filters' }).waitFor()
  // The filtered page has arrived: rows again (the list empties while it loads), none of them coffee.
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('[data-testid="transaction"]')]
    return rows.length > 0 && !rows.some((row) => row.textContent.includes('Coffee'))
  })
  // Each transfer between one's own accounts shows on both of them.
  assert.deepEqual((await descriptions(page)).sort(), ['Rent for December', 'Rent for December', 'rent top-up', 'rent top-up'])
  await page.reload()
  await page.getByTestId('transaction').first().waitFor()
  assert.equal(await field(page, 'Description words').inputValue(), 'RENT')
  assert.equal((await descriptions(page)).length, 4)
  await page.getByRole('button', { name: 'Clear filters' }).click()
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="transaction"]').length > 4)
  assert.ok(!page.url().includes('q='))
})

test('a CSV statement downloaded from the account page closes on the balance the page shows', TIMEOUT, async () => {
  const page = await signedInPage()
  await page.goto(`${stack.baseUrl}/accounts/${person.account}`)
  const shown = (await page.getByTestId('balance').textContent()).replace(/[^0-9.]/g, '')
  assert.equal(shown, '117.45')
  const [download] = await Promise.all([page.waitForEvent('download'), button(page, 'Download statement').click()])
  assert.match(download.suggestedFilename(), new RegExp(`^statement-${person.account}-\\d{4}-\\d{2}-\\d{2}-\\d{4}-\\d{2}-\\d{2}\\.csv$`))
  const text = (await readFile(await download.path(), 'utf8')).replace(/^\uFEFF/, '')
  const closing = text.split('\r\n').find((line) => line.startsWith('Closing balance,'))
  assert.equal(closing, `Closing balance,${shown}`)
  assert.match(text, /Account holder,Ciara Statement/)
  await page.getByText(`Downloaded ${download.suggestedFilename()}`).waitFor()
  // What the API holds agrees: the account's balance is that closing balance.
  const token = await signInApi(person.username, person.password)
  assert.equal((await call('GET', `/accounts/${person.account}`, undefined, token)).balance, shown)
})
