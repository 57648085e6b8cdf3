import { flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { customer, fakeApi, json } from '@/test/fakeApi'
import { mountPage } from '@/test/mountPage'
import DashboardPage from '@/pages/DashboardPage.vue'

const factors = (methods: string[]) => ({ totp: methods.includes('totp'), recovery_codes_left: 0, passkeys: 0, methods, second_factor_required: false })
const base = { 'GET /api/accounts': () => json({ items: [] }), 'GET /api/transactions': () => json({ items: [], next_cursor: null }) }

afterEach(() => localStorage.clear())

describe('second-factor prompt on the dashboard', () => {
  it('asks a new customer without a factor to set one up, and "Not now" keeps it away', async () => {
    fakeApi({ ...base, 'GET /api/me/factors': () => json(factors([])) })
    const first = await mountPage(DashboardPage, '/dashboard', customer)
    const prompt = first.wrapper.get('[data-testid="factor-prompt"]')
    expect(prompt.text()).toContain('Protect your account with a second factor')
    expect(prompt.get('a').attributes('href')).toBe('/security')
    await prompt.findAll('button').find((b) => b.text() === 'Not now')!.trigger('click')
    expect(first.wrapper.find('[data-testid="factor-prompt"]').exists()).toBe(false)
    first.wrapper.unmount()
    const again = await mountPage(DashboardPage, '/dashboard', customer)
    await flushPromises()
    expect(again.wrapper.find('[data-testid="factor-prompt"]').exists()).toBe(false)
  })

  it('says nothing to a customer who holds a factor', async () => {
    fakeApi({ ...base, 'GET /api/me/factors': () => json(factors(['passkey'])) })
    const { wrapper } = await mountPage(DashboardPage, '/dashboard', customer)
    expect(wrapper.find('[data-testid="factor-prompt"]').exists()).toBe(false)
  })
})
