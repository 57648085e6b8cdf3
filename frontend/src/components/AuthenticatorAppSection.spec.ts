import { flushPromises } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import { customer, fakeApi, json, problem } from '@/test/fakeApi'
import { mountPage } from '@/test/mountPage'
import SecurityPage from '@/pages/SecurityPage.vue'

const noContent = () => new Response(null, { status: 204 })
const held = (totp: boolean, left = 0) => ({
  totp,
  recovery_codes_left: left,
  passkeys: 0,
  methods: totp ? ['totp', ...(left ? ['recovery_code'] : [])] : [],
  second_factor_required: false,
})
const uri = 'otpauth://totp/IE%20Bank:aoife?secret=JBSWY3DPEHPK3PXP&issuer=IE%20Bank'
const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="1" height="1"/></svg>'
const tenCodes = Array.from({ length: 10 }, (_, i) => `AAAA-BBBB-CCCC-DD${String(i).padStart(2, '0')}`)
const buttonNamed = (wrapper: Awaited<ReturnType<typeof mountPage>>['wrapper'], name: string) =>
  wrapper.findAll('button').find((b) => b.text() === name)!

describe('authenticator app section', () => {
  it('sets up the app: the QR code as an image (never as markup), the key to type in, a code to confirm, then the ten recovery codes once', async () => {
    let hasApp = false
    const server = fakeApi({
      'GET /api/me/sessions': () => json({ items: [] }),
      'GET /api/me/passkeys': () => json({ items: [] }),
      'GET /api/me/factors': () => json(held(hasApp, hasApp ? 10 : 0)),
      'POST /api/me/totp': () => json({ otpauth_uri: uri, qr_svg: svg }, 201),
      'POST /api/me/totp/confirm': () => {
        hasApp = true
        return json({ recovery_codes: tenCodes })
      },
    })
    const { wrapper } = await mountPage(SecurityPage, '/security', customer)
    await buttonNamed(wrapper, 'Set up an authenticator app').trigger('click')
    await flushPromises()
    const img = wrapper.get('[data-testid="totp-qr"]')
    expect(img.element.tagName).toBe('IMG')
    expect(img.attributes('src')).toBe(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`)
    expect(wrapper.find('svg').exists()).toBe(false)
    expect(wrapper.find('script').exists()).toBe(false)
    expect(wrapper.get('[data-testid="totp-secret"]').text()).toBe('JBSW Y3DP EHPK 3PXP')

    await wrapper.get('input[autocomplete="one-time-code"]').setValue('123 456')
    await wrapper.get('#totp-heading').element.parentElement!.querySelector('form')!.dispatchEvent(new Event('submit'))
    await flushPromises()
    expect(server.sent('POST', '/api/me/totp/confirm')[0]!.body).toEqual({ code: '123456' })
    const shown = wrapper.get('[data-testid="recovery-codes"]')
    expect(shown.findAll('li').map((li) => li.text())).toEqual(tenCodes)
    expect(wrapper.get('[data-testid="totp-status"]').text()).toContain('set up')
    expect(wrapper.get('[data-testid="recovery-left"]').text()).toContain('10 recovery codes left')

    await buttonNamed(wrapper, 'I have saved them').trigger('click')
    expect(wrapper.find('[data-testid="recovery-codes"]').exists()).toBe(false)
  })

  it('a wrong code keeps the setup open and says so', async () => {
    fakeApi({
      'GET /api/me/sessions': () => json({ items: [] }),
      'GET /api/me/passkeys': () => json({ items: [] }),
      'GET /api/me/factors': () => json(held(false)),
      'POST /api/me/totp': () => json({ otpauth_uri: uri, qr_svg: svg }, 201),
      'POST /api/me/totp/confirm': () => problem('second-factor-rejected', 401, 'That code did not work.'),
    })
    const { wrapper } = await mountPage(SecurityPage, '/security', customer)
    await buttonNamed(wrapper, 'Set up an authenticator app').trigger('click')
    await flushPromises()
    await wrapper.get('input[autocomplete="one-time-code"]').setValue('000000')
    await buttonNamed(wrapper, 'Confirm the app').trigger('submit')
    await flushPromises()
    expect(wrapper.text()).toContain('That code did not work.')
    expect(wrapper.find('[data-testid="totp-qr"]').exists()).toBe(true)
  })

  it('removing the app without a fresh sign-in asks to confirm it is you, then removes it', async () => {
    let hasApp = true
    let fresh = false
    const server = fakeApi({
      'GET /api/me/sessions': () => json({ items: [] }),
      'GET /api/me/passkeys': () => json({ items: [] }),
      'GET /api/me/factors': () => json(held(hasApp, hasApp ? 10 : 0)),
      'DELETE /api/me/totp': () => {
        if (!fresh) return problem('sca-required', 403, 'Confirm it is you with your second factor first.')
        hasApp = false
        return noContent()
      },
      'POST /api/auth/step-up': () => json({ challenge_id: 'su-1', methods: ['totp', 'recovery_code'], passkey_options: null }),
      'POST /api/auth/step-up/confirm': () => {
        fresh = true
        return noContent()
      },
    })
    const { wrapper } = await mountPage(SecurityPage, '/security', customer)
    await buttonNamed(wrapper, 'Remove the authenticator app').trigger('click')
    await flushPromises()
    const dialog = wrapper.get('[role="dialog"]')
    expect(dialog.text()).toContain('Confirm it is you')
    await dialog.get('input[autocomplete="one-time-code"]').setValue('654321')
    await dialog.get('form').trigger('submit')
    await flushPromises()
    expect(server.sent('POST', '/api/auth/step-up/confirm')[0]!.body).toEqual({ challenge_id: 'su-1', method: 'totp', code: '654321' })
    expect(server.sent('DELETE', '/api/me/totp')).toHaveLength(2)
    expect(wrapper.find('[role="dialog"]').exists()).toBe(false)
    expect(wrapper.text()).toContain('Your authenticator app is removed')
    expect(wrapper.find('[data-testid="totp-status"]').exists()).toBe(false)
  })

  it('cancelling the step-up changes nothing and says why it was refused', async () => {
    const server = fakeApi({
      'GET /api/me/sessions': () => json({ items: [] }),
      'GET /api/me/passkeys': () => json({ items: [] }),
      'GET /api/me/factors': () => json(held(true, 10)),
      'DELETE /api/me/totp': () => problem('sca-required', 403, 'Confirm it is you with your second factor first.'),
      'POST /api/auth/step-up': () => json({ challenge_id: 'su-1', methods: ['totp'], passkey_options: null }),
    })
    const { wrapper } = await mountPage(SecurityPage, '/security', customer)
    await buttonNamed(wrapper, 'Remove the authenticator app').trigger('click')
    await flushPromises()
    await buttonNamed(wrapper, 'Cancel').trigger('click')
    await flushPromises()
    expect(wrapper.find('[role="dialog"]').exists()).toBe(false)
    expect(server.sent('DELETE', '/api/me/totp')).toHaveLength(1)
    expect(wrapper.text()).toContain('Confirm it is you with your second factor first.')
    expect(wrapper.find('[data-testid="totp-status"]').exists()).toBe(true)
  })

  it('a first factor on an old sign-in cannot be stepped up to: the dialog offers to sign in again', async () => {
    fakeApi({
      'GET /api/me/sessions': () => json({ items: [] }),
      'GET /api/me/passkeys': () => json({ items: [] }),
      'GET /api/me/factors': () => json(held(false)),
      'POST /api/me/totp': () => problem('sca-required', 403, 'Sign in again first: adding a first factor needs a recent sign-in.'),
      'POST /api/auth/step-up': () => problem('no-second-factor', 409, 'You have no second factor to confirm with yet.'),
      'POST /api/auth/logout': noContent,
    })
    const { wrapper, router, session } = await mountPage(SecurityPage, '/security', customer)
    await buttonNamed(wrapper, 'Set up an authenticator app').trigger('click')
    await flushPromises()
    expect(wrapper.get('[role="dialog"]').text()).toContain('needs a recent sign-in')
    await buttonNamed(wrapper, 'Sign in again').trigger('click')
    await flushPromises()
    expect(session.isSignedIn).toBe(false)
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('sign-in'), { timeout: 5000 })
    expect(router.currentRoute.value.query).toMatchObject({ redirect: '/security', username: 'aoife' })
  })
})
