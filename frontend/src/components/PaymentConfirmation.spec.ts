import { flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ACCOUNT_A, ACCOUNT_B, customer, fakeApi, json, problem } from '@/test/fakeApi'
import { mountPage } from '@/test/mountPage'
import TransferPage from '@/pages/TransferPage.vue'

// The payment confirmation step (issue 17): a transfer answered 202 waits for the second factor;
// the step shows what the payment is bound to and sends the answer to /api/transfers/confirm.

const assertion = { id: 'cred', rawId: 'cred', type: 'public-key', response: {}, clientExtensionResults: {} }
vi.mock('@/lib/webauthn', () => ({ usePasskeyAssertion: vi.fn(async () => assertion) }))

const account = { number: ACCOUNT_A, name: 'Current', currency: 'EUR', country: 'IE', status: 'active', balance: '100.00', created_at: '2026-01-01T00:00:00Z' }
const bob = { id: 'p1', name: 'Bob Byrne', account: ACCOUNT_B, reference: null, trusted: false, created_at: '2026-01-01T00:00:00Z', last_paid_at: null }
const pending = (methods: string[]) => ({
  status: 'authentication_required',
  challenge_id: 'c1',
  amount: '40.00',
  currency: 'EUR',
  from_account: ACCOUNT_A,
  payee: { account: ACCOUNT_B, name: 'Bob Byrne' },
  methods,
  passkey_options: methods.includes('passkey') ? { challenge: 'abc', rpId: 'localhost', allowCredentials: [] } : null,
  expires_at: '2026-01-01T00:05:00Z',
})
const transfer = { id: 't1', from_account: ACCOUNT_A, to_account: ACCOUNT_B, amount: '40.00', currency: 'EUR', description: '', kind: 'transfer', created_at: '2026-01-01T00:00:00Z' }

type Mounted = Awaited<ReturnType<typeof mountPage>>['wrapper']
const button = (wrapper: Mounted, text: string) => wrapper.findAll('button').find((b) => b.text() === text)

async function sendAndWait(methods: string[], confirm: () => Response) {
  const server = fakeApi({
    'GET /api/accounts': () => json({ items: [account] }),
    'GET /api/payees': () => json({ items: [bob] }),
    'POST /api/transfers/preview': () => json({ from_account: ACCOUNT_A, to_account: ACCOUNT_B, amount: '40.00', currency: 'EUR', recipient_status: 'active' }),
    'POST /api/transfers': () => json(pending(methods), 202),
    'POST /api/transfers/confirm': confirm,
  })
  const { wrapper } = await mountPage(TransferPage, '/transfer?payee=p1', customer)
  await wrapper.get('input[inputmode="decimal"]').setValue('40')
  await wrapper.get('form').trigger('submit')
  await flushPromises()
  await button(wrapper, 'Confirm and send')!.trigger('click')
  await flushPromises()
  return { server, wrapper }
}

afterEach(() => {
  vi.clearAllMocks()
  vi.unstubAllGlobals()
})

describe('payment confirmation step', () => {
  it('shows the amount and payee it is bound to, sends the app code for that challenge, then shows the money sent', async () => {
    const { server, wrapper } = await sendAndWait(['totp', 'recovery_code'], () => json(transfer, 201))
    const binding = wrapper.get('[data-testid="payment-binding"]').text()
    expect(binding).toContain('40.00')
    expect(binding).toContain('Bob Byrne')
    expect(binding.replace(/\s/g, '')).toContain(ACCOUNT_B)
    expect(wrapper.find('[data-testid="transfer-done"]').exists()).toBe(false) // nothing sent yet
    expect(button(wrapper, 'Use a passkey')).toBeUndefined() // no passkey held
    await wrapper.get('[data-testid="payment-confirmation"] input').setValue('123 456')
    await wrapper.get('[data-testid="payment-confirmation"] form').trigger('submit')
    await flushPromises()
    expect(server.sent('POST', '/api/transfers/confirm')[0]!.body).toEqual({ challenge_id: 'c1', method: 'totp', code: '123456' })
    expect(wrapper.get('[data-testid="transfer-done"]').text()).toContain('sent to Bob Byrne')
    expect(wrapper.find('[data-testid="payment-confirmation"]').exists()).toBe(false)
  })

  it('sends a recovery code as one, and keeps the step with the reason when the answer is refused', async () => {
    const { server, wrapper } = await sendAndWait(['totp', 'recovery_code'], () =>
      problem('second-factor-rejected', 401, 'That did not work. 4 attempts left before your second factor is blocked for a while.'),
    )
    await wrapper.get('[data-testid="payment-confirmation"] input').setValue('ABCD-EFGH-JKLM-NPQR')
    await wrapper.get('[data-testid="payment-confirmation"] form').trigger('submit')
    await flushPromises()
    expect(server.sent('POST', '/api/transfers/confirm')[0]!.body).toEqual({ challenge_id: 'c1', method: 'recovery_code', code: 'ABCD-EFGH-JKLM-NPQR' })
    expect(wrapper.get('[role="alert"]').text()).toContain('4 attempts left')
    expect(wrapper.find('[data-testid="payment-confirmation"]').exists()).toBe(true)
    expect(wrapper.find('[data-testid="transfer-done"]').exists()).toBe(false)
  })

  it('signs the payment’s own passkey options and sends the assertion', async () => {
    vi.stubGlobal('PublicKeyCredential', function PublicKeyCredential() {}) // a browser that can use one
    const { usePasskeyAssertion } = await import('@/lib/webauthn')
    const { server, wrapper } = await sendAndWait(['passkey'], () => json(transfer, 201))
    expect(wrapper.find('[data-testid="payment-confirmation"] form').exists()).toBe(false) // no code to type
    await button(wrapper, 'Use a passkey')!.trigger('click')
    await flushPromises()
    expect(usePasskeyAssertion).toHaveBeenCalledWith(pending(['passkey']).passkey_options)
    expect(server.sent('POST', '/api/transfers/confirm')[0]!.body).toEqual({ challenge_id: 'c1', method: 'passkey', credential: assertion })
    expect(wrapper.get('[data-testid="transfer-done"]').text()).toContain('40.00')
  })

  it('offers to start again when the payment waited too long', async () => {
    const { wrapper } = await sendAndWait(['totp'], () => problem('not-found', 404, 'No payment of yours waits for confirmation with that id.'))
    await wrapper.get('[data-testid="payment-confirmation"] input').setValue('123456')
    await wrapper.get('[data-testid="payment-confirmation"] form').trigger('submit')
    await flushPromises()
    await button(wrapper, 'Start again')!.trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="payment-confirmation"]').exists()).toBe(false)
    expect(wrapper.get('h1').text()).toBe('Send money')
  })
})
