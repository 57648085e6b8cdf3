import { flushPromises } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import { api } from '@/api/client'
import { accountsApi } from '@/api/endpoints'
import { customer, fakeApi, json, problem } from '@/test/fakeApi'
import { mountPage } from '@/test/mountPage'
import { signedInBody } from '@/test/sessions'
import DashboardPage from '@/pages/DashboardPage.vue'
import SecurityPage from '@/pages/SecurityPage.vue'

const admin = { ...customer, id: '1', username: 'staff', role: 'admin' as const }
const noFactors = { totp: false, recovery_codes_left: 0, passkeys: 0, methods: [], second_factor_required: true }

describe('second-factor enrolment gate', () => {
  it('sends staff who must enrol from every page to the Security page, with the reason', async () => {
    fakeApi({
      'GET /api/me/sessions': () => json({ items: [] }),
      'GET /api/me/passkeys': () => json({ items: [] }),
      'GET /api/me/factors': () => json(noFactors),
    })
    const { wrapper, router, session } = await mountPage(SecurityPage, '/security', admin)
    session.setFactorEnrolmentRequired(true)
    await router.push('/staff/users')
    expect(router.currentRoute.value.name).toBe('security')
    await flushPromises()
    expect(wrapper.get('[data-testid="enrolment-required"]').text()).toContain('Staff must have an authenticator app or a passkey before the back office opens')
  })

  it('a customer the bank requires it of reads why, and the gate opens once the API says a factor is held', async () => {
    let enrolled = false
    fakeApi({
      'GET /api/me/sessions': () => json({ items: [] }),
      'GET /api/me/passkeys': () => json({ items: [] }),
      'GET /api/me/factors': () => json(enrolled ? { ...noFactors, totp: true, methods: ['totp', 'recovery_code'], recovery_codes_left: 10 } : noFactors),
      'POST /api/me/totp': () => json({ otpauth_uri: 'otpauth://totp/x?secret=ABCD', qr_svg: '<svg/>' }, 201),
      'POST /api/me/totp/confirm': () => {
        enrolled = true
        return json({ recovery_codes: ['AAAA-BBBB-CCCC-DDDD'] })
      },
      'GET /api/auth/session': () => json({ ...signedInBody(), factor_enrolment_required: !enrolled }),
    })
    const { wrapper, router, session } = await mountPage(SecurityPage, '/security', customer)
    session.setFactorEnrolmentRequired(true)
    await flushPromises()
    expect(wrapper.get('[data-testid="enrolment-required"]').text()).toContain('IE Bank requires an authenticator app or a passkey')
    await wrapper.findAll('button').find((b) => b.text() === 'Set up an authenticator app')!.trigger('click')
    await flushPromises()
    await wrapper.get('input[autocomplete="one-time-code"]').setValue('123456')
    await wrapper.findAll('button').find((b) => b.text() === 'Confirm the app')!.trigger('submit')
    await flushPromises()
    expect(session.factorEnrolmentRequired).toBe(false)
    expect(wrapper.find('[data-testid="enrolment-required"]').exists()).toBe(false)
    await router.push('/dashboard')
    expect(router.currentRoute.value.name).toBe('dashboard')
  })

  it('the client calls its hook when any call answers 403 factor-enrolment-required', async () => {
    fakeApi({ 'GET /api/accounts': () => problem('factor-enrolment-required', 403, 'Set up a second factor first.') })
    await mountPage(DashboardPage, '/security', customer)
    const hook = vi.fn()
    api.setAuth({ onActivity: () => {}, onUnauthorized: () => {}, onPasswordChangeRequired: () => {}, onFactorEnrolmentRequired: hook })
    await expect(accountsApi.list()).rejects.toMatchObject({ slug: 'factor-enrolment-required' })
    expect(hook).toHaveBeenCalledOnce()
  })
})
