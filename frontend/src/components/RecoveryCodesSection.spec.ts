import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { customer, fakeApi, json, problem } from '@/test/fakeApi'
import { mountPage } from '@/test/mountPage'
import SecurityPage from '@/pages/SecurityPage.vue'

const noContent = () => new Response(null, { status: 204 })
const factors = (left: number, methods: string[]) => ({ totp: methods.includes('totp'), recovery_codes_left: left, passkeys: 0, methods, second_factor_required: false })
const fresh = Array.from({ length: 10 }, (_, i) => `NEWC-ODES-0000-00${String(i).padStart(2, '0')}`)
const base = { 'GET /api/me/sessions': () => json({ items: [] }), 'GET /api/me/passkeys': () => json({ items: [] }) }

describe('recovery codes section', () => {
  it('says how many codes are left and shows the new ones once after making new codes (stepping up first)', async () => {
    let left = 1
    let stepped = false
    const server = fakeApi({
      ...base,
      'GET /api/me/factors': () => json(factors(left, ['totp', 'recovery_code'])),
      'POST /api/me/recovery-codes': () => {
        if (!stepped) return problem('sca-required', 403, 'Confirm it is you with your second factor first.')
        left = 10
        return json({ recovery_codes: fresh })
      },
      'POST /api/auth/step-up': () => json({ challenge_id: 'su-2', methods: ['totp', 'recovery_code'], passkey_options: null }),
      'POST /api/auth/step-up/confirm': () => {
        stepped = true
        return noContent()
      },
    })
    const { wrapper } = await mountPage(SecurityPage, '/security', customer)
    expect(wrapper.get('[data-testid="recovery-left"]').text()).toContain('You have 1 recovery code left.')
    await wrapper.findAll('button').find((b) => b.text() === 'Make new recovery codes')!.trigger('click')
    await flushPromises()
    const dialog = wrapper.get('[role="dialog"]')
    await dialog.get('input').setValue('wxyz-2345-6789-abcd')
    await dialog.get('form').trigger('submit')
    await flushPromises()
    expect(server.sent('POST', '/api/auth/step-up/confirm')[0]!.body).toEqual({ challenge_id: 'su-2', method: 'recovery_code', code: 'WXYZ-2345-6789-ABCD' })
    expect(server.sent('POST', '/api/me/recovery-codes')).toHaveLength(2)
    expect(wrapper.get('[data-testid="recovery-codes"]').findAll('li').map((li) => li.text())).toEqual(fresh)
    expect(wrapper.get('[data-testid="recovery-left"]').text()).toContain('You have 10 recovery codes left.')
  })

  it('is not shown to someone with no factor of their own (recovery codes only stand beside one)', async () => {
    fakeApi({ ...base, 'GET /api/me/factors': () => json(factors(0, [])) })
    const { wrapper } = await mountPage(SecurityPage, '/security', customer)
    expect(wrapper.find('#recovery-heading').exists()).toBe(false)
    expect(wrapper.text()).toContain('Set up an authenticator app')
  })
})
