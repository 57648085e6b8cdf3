import { flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '@/api/problems'
import { withStepUp } from '@/composables/useStepUp'
import { customer, fakeApi, json, problem } from '@/test/fakeApi'
import { mountPage } from '@/test/mountPage'
import StepUpDialog from './StepUpDialog.vue'

vi.mock('@/lib/webauthn', () => ({ usePasskeyAssertion: vi.fn(async () => ({ id: 'cred-9', type: 'public-key' })) }))

const refusal = () => new ApiError('sca-required', 403, 'Confirm it is you first', 'Confirm it is you with your second factor first.')
const noContent = () => new Response(null, { status: 204 })

afterEach(() => vi.unstubAllGlobals())

describe('step-up dialog', () => {
  it('steps up with a passkey and runs the change once more; a change that needs none opens no dialog', async () => {
    vi.stubGlobal('PublicKeyCredential', function PublicKeyCredential() {})
    const options = { challenge: 'xyz' }
    const server = fakeApi({
      'POST /api/auth/step-up': () => json({ challenge_id: 'su-3', methods: ['passkey'], passkey_options: options }),
      'POST /api/auth/step-up/confirm': noContent,
    })
    const { wrapper } = await mountPage(StepUpDialog, '/security', customer)
    expect(await withStepUp(async () => 'no step-up needed')).toBe('no step-up needed')
    expect(wrapper.find('[role="dialog"]').exists()).toBe(false)

    let calls = 0
    const change = withStepUp(async () => {
      calls += 1
      if (calls === 1) throw refusal()
      return 'changed'
    })
    await flushPromises()
    const dialog = wrapper.get('[role="dialog"]')
    expect(dialog.find('input').exists()).toBe(false)
    await dialog.findAll('button').find((b) => b.text() === 'Use a passkey')!.trigger('click')
    await flushPromises()
    await expect(change).resolves.toBe('changed')
    expect(calls).toBe(2)
    const { usePasskeyAssertion } = await import('@/lib/webauthn')
    expect(usePasskeyAssertion).toHaveBeenCalledWith(options)
    expect(server.sent('POST', '/api/auth/step-up/confirm')[0]!.body).toEqual({
      challenge_id: 'su-3',
      method: 'passkey',
      credential: { id: 'cred-9', type: 'public-key' },
    })
    expect(wrapper.find('[role="dialog"]').exists()).toBe(false)
  })

  it('a wrong code keeps the dialog open with the tries left, and the change is not retried', async () => {
    fakeApi({
      'POST /api/auth/step-up': () => json({ challenge_id: 'su-4', methods: ['totp'], passkey_options: null }),
      'POST /api/auth/step-up/confirm': () => problem('second-factor-rejected', 401, 'That did not work. 2 attempts left.'),
    })
    const { wrapper } = await mountPage(StepUpDialog, '/security', customer)
    let calls = 0
    const change = withStepUp(async () => {
      calls += 1
      throw refusal()
    })
    await flushPromises()
    await wrapper.get('input').setValue('111111')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[role="dialog"]').text()).toContain('2 attempts left')
    expect(calls).toBe(1)
    await wrapper.findAll('button').find((b) => b.text() === 'Cancel')!.trigger('click')
    await expect(change).rejects.toMatchObject({ slug: 'sca-required' })
    expect(calls).toBe(1)
  })
})
