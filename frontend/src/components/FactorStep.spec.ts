import { flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { fakeApi, json, problem } from '@/test/fakeApi'
import { mountPage } from '@/test/mountPage'
import { signedInBody } from '@/test/sessions'
import SignInPage from '@/pages/SignInPage.vue'

vi.mock('@/lib/webauthn', () => ({ usePasskeyAssertion: vi.fn(async () => ({ id: 'cred-1', type: 'public-key' })) }))

const factorRequired = (methods: string[], passkey_options: Record<string, unknown> | null = null) =>
  json({ status: 'factor_required', challenge_id: 'ch-1', methods, passkey_options })

async function password(wrapper: Awaited<ReturnType<typeof mountPage>>['wrapper']) {
  await wrapper.get('input[autocomplete="username"]').setValue('aoife')
  await wrapper.get('input[type="password"]').setValue('right-pass-1')
  await wrapper.get('form').trigger('submit')
  await flushPromises()
}

async function enterCode(wrapper: Awaited<ReturnType<typeof mountPage>>['wrapper'], code: string) {
  await wrapper.get('input[autocomplete="one-time-code"]').setValue(code)
  await wrapper.get('form').trigger('submit')
  await flushPromises()
}

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('sign-in factor step', () => {
  it('after the right password asks for a code, sends it for the challenge and goes to the dashboard signed in', async () => {
    const server = fakeApi({
      'POST /api/auth/login': () => factorRequired(['totp', 'recovery_code']),
      'POST /api/auth/login/factor': () => json({ status: 'signed_in', ...signedInBody(), factor_enrolment_required: false }),
    })
    const { wrapper, router, session } = await mountPage(SignInPage, '/sign-in', null)
    await password(wrapper)
    expect(session.isSignedIn).toBe(false)
    expect(wrapper.text()).toContain('Confirm it is you')
    expect(wrapper.get('label').text()).toContain('Code from your authenticator app, or a recovery code')
    expect(wrapper.text()).not.toContain('Use a passkey')
    await enterCode(wrapper, '123 456')
    expect(server.sent('POST', '/api/auth/login/factor')[0]!.body).toEqual({ challenge_id: 'ch-1', method: 'totp', code: '123456' })
    expect(session.isSignedIn).toBe(true)
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('dashboard'), { timeout: 5000 })
  })

  it('sends a recovery code as one, in capitals', async () => {
    const server = fakeApi({
      'POST /api/auth/login': () => factorRequired(['totp', 'recovery_code']),
      'POST /api/auth/login/factor': () => json({ status: 'signed_in', ...signedInBody() }),
    })
    const { wrapper } = await mountPage(SignInPage, '/sign-in', null)
    await password(wrapper)
    await enterCode(wrapper, 'abcd-efgh-jkmn-pqrs')
    expect(server.sent('POST', '/api/auth/login/factor')[0]!.body).toEqual({
      challenge_id: 'ch-1',
      method: 'recovery_code',
      code: 'ABCD-EFGH-JKMN-PQRS',
    })
  })

  it('a wrong code shows how many tries are left and keeps the step; a code of the wrong shape is never sent', async () => {
    const server = fakeApi({
      'POST /api/auth/login': () => factorRequired(['totp']),
      'POST /api/auth/login/factor': () => problem('second-factor-rejected', 401, 'That did not work. 4 attempts left.'),
    })
    const { wrapper, session, router } = await mountPage(SignInPage, '/sign-in', null)
    await password(wrapper)
    await enterCode(wrapper, '12')
    expect(server.sent('POST', '/api/auth/login/factor')).toHaveLength(0)
    expect(wrapper.text()).toContain('Enter the 6-digit code')
    await enterCode(wrapper, '654321')
    expect(wrapper.get('[role="alert"]').text()).toContain('4 attempts left')
    expect(session.isSignedIn).toBe(false)
    expect(router.currentRoute.value.name).toBe('sign-in')
    expect((wrapper.get('input[autocomplete="one-time-code"]').element as HTMLInputElement).value).toBe('')
  })

  it('after too many wrong codes says the factor is blocked and for how long', async () => {
    fakeApi({
      'POST /api/auth/login': () => factorRequired(['totp']),
      'POST /api/auth/login/factor': () =>
        new Response(JSON.stringify({ type: 'https://iebank.example/problems/factor-blocked', title: 'x', status: 429, detail: '' }), {
          status: 429,
          headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '900' },
        }),
    })
    const { wrapper } = await mountPage(SignInPage, '/sign-in', null)
    await password(wrapper)
    await enterCode(wrapper, '654321')
    expect(wrapper.get('[role="alert"]').text()).toContain('blocked. Try again in 15 minute(s)')
  })

  it('"Use a passkey" signs the challenge’s options and sends the assertion', async () => {
    vi.stubGlobal('PublicKeyCredential', function PublicKeyCredential() {})
    const options = { challenge: 'abc', allowCredentials: [] }
    const server = fakeApi({
      'POST /api/auth/login': () => factorRequired(['passkey', 'totp'], options),
      'POST /api/auth/login/factor': () => json({ status: 'signed_in', ...signedInBody() }),
    })
    const { wrapper, router } = await mountPage(SignInPage, '/sign-in', null)
    await password(wrapper)
    const { usePasskeyAssertion } = await import('@/lib/webauthn')
    await wrapper.findAll('button').find((b) => b.text() === 'Use a passkey')!.trigger('click')
    await flushPromises()
    expect(usePasskeyAssertion).toHaveBeenCalledWith(options)
    expect(server.sent('POST', '/api/auth/login/factor')[0]!.body).toEqual({
      challenge_id: 'ch-1',
      method: 'passkey',
      credential: { id: 'cred-1', type: 'public-key' },
    })
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('dashboard'), { timeout: 5000 })
  })

  it('says so when the only factor is a passkey and the browser cannot use one', async () => {
    fakeApi({ 'POST /api/auth/login': () => factorRequired(['passkey'], { challenge: 'abc' }) })
    const { wrapper } = await mountPage(SignInPage, '/sign-in', null)
    await password(wrapper)
    expect(wrapper.find('input').exists()).toBe(false)
    expect(wrapper.text()).toContain('this browser cannot use passkeys')
  })

  it('"Start again" goes back to the password form', async () => {
    fakeApi({ 'POST /api/auth/login': () => factorRequired(['totp']) })
    const { wrapper } = await mountPage(SignInPage, '/sign-in', null)
    await password(wrapper)
    await wrapper.findAll('button').find((b) => b.text().startsWith('Start again'))!.trigger('click')
    await flushPromises()
    expect(wrapper.find('input[type="password"]').exists()).toBe(true)
  })

  it('staff who must still set up a factor land on the Security page, not the back office', async () => {
    const admin = { ...signedInBody().user, role: 'admin' as const }
    fakeApi({
      'POST /api/auth/login': () => json({ status: 'signed_in', ...signedInBody({ user: admin }), factor_enrolment_required: true }),
      'GET /api/me/sessions': () => json({ items: [] }),
    })
    const { wrapper, router, session } = await mountPage(SignInPage, '/sign-in', null)
    await password(wrapper)
    expect(session.factorEnrolmentRequired).toBe(true)
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('security'), { timeout: 5000 })
  })
})
