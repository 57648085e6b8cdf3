import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import type { Payee } from '@/api/types'
import { ACCOUNT_B, customer, fakeApi, json, problem, type RecordedRequest } from '@/test/fakeApi'
import { mountPage } from '@/test/mountPage'
import PayeesPage from './PayeesPage.vue'

const bob: Payee = {
  id: 'p1',
  name: 'Bob Byrne',
  account: ACCOUNT_B,
  reference: 'Rent',
  trusted: false,
  created_at: '2026-01-01T00:00:00Z',
  last_paid_at: null,
}

type Mounted = Awaited<ReturnType<typeof mountPage>>['wrapper']
const button = (wrapper: Mounted, text: string) => wrapper.findAll('button').find((b) => b.text() === text)!

async function fillNew(wrapper: Mounted, name: string, account: string) {
  const inputs = wrapper.get('#add-heading').element.parentElement!.querySelectorAll('input[type="text"]')
  ;(inputs[0] as HTMLInputElement).value = name
  inputs[0]!.dispatchEvent(new Event('input'))
  ;(inputs[1] as HTMLInputElement).value = account
  inputs[1]!.dispatchEvent(new Event('input'))
  await flushPromises()
}

describe('payees page', () => {
  it('checks the name before saving, shows a close match with the holder’s name, and saves under it', async () => {
    let list: Payee[] = []
    const server = fakeApi({
      'GET /api/payees': () => json({ items: list }),
      'POST /api/payees/verify': () => json({ result: 'close_match', name: 'Robert Byrne' }),
      'POST /api/payees': (request: RecordedRequest) => {
        list = [{ ...bob, ...(request.body as object) }]
        return json(list[0], 201)
      },
    })
    const { wrapper } = await mountPage(PayeesPage, '/payees', customer)
    expect(wrapper.text()).toContain('You have saved no payees yet.')
    await fillNew(wrapper, 'Bob Byrne', 'ie86 iebk 0000 0000 0000 02')
    await button(wrapper, 'Check name').trigger('click')
    await flushPromises()
    expect(server.sent('POST', '/api/payees/verify')[0]!.body).toEqual({ name: 'Bob Byrne', account: ACCOUNT_B })
    expect(server.sent('POST', '/api/payees')).toHaveLength(0) // nothing saved before the answer is seen
    expect(wrapper.get('[data-testid="payee-verification"]').text()).toContain('Robert Byrne')

    await button(wrapper, 'Use Robert Byrne').trigger('click')
    await button(wrapper, 'Save payee').trigger('click')
    await flushPromises()
    expect(server.sent('POST', '/api/payees')[0]!.body).toEqual({ name: 'Robert Byrne', account: ACCOUNT_B, trusted: false })
    expect(wrapper.get('[role="status"]').text()).toContain('Saved Robert Byrne as a payee.')
    expect(wrapper.findAll('[data-testid="payee"]')).toHaveLength(1)
  })

  it('after no match says what it risks and still lets the customer save', async () => {
    const server = fakeApi({
      'GET /api/payees': () => json({ items: [] }),
      'POST /api/payees/verify': () => json({ result: 'no_match' }),
      'POST /api/payees': () => json(bob, 201),
    })
    const { wrapper } = await mountPage(PayeesPage, '/payees', customer)
    await fillNew(wrapper, 'Someone Else', ACCOUNT_B)
    await button(wrapper, 'Check name').trigger('click')
    await flushPromises()
    expect(wrapper.text()).toContain('you may not get it back')
    await button(wrapper, 'Save anyway').trigger('click')
    await flushPromises()
    expect(server.sent('POST', '/api/payees')).toHaveLength(1)
  })

  it('checks again when the name changes after the check', async () => {
    const server = fakeApi({
      'GET /api/payees': () => json({ items: [] }),
      'POST /api/payees/verify': () => json({ result: 'match' }),
    })
    const { wrapper } = await mountPage(PayeesPage, '/payees', customer)
    await fillNew(wrapper, 'Bob Byrne', ACCOUNT_B)
    await button(wrapper, 'Check name').trigger('click')
    await flushPromises()
    expect(button(wrapper, 'Save payee')).toBeTruthy()
    await fillNew(wrapper, 'Bobby Byrne', ACCOUNT_B)
    expect(wrapper.find('[data-testid="payee-verification"]').exists()).toBe(false)
    expect(button(wrapper, 'Check name')).toBeTruthy()
    expect(server.sent('POST', '/api/payees/verify')).toHaveLength(1)
  })

  it('shows a duplicate at the account field and a throttled check plainly', async () => {
    let verifications = 0
    fakeApi({
      'GET /api/payees': () => json({ items: [bob] }),
      'POST /api/payees/verify': () =>
        ++verifications === 1 ? json({ result: 'match' }) : problem('too-many-requests', 429, 'Too many name checks. Try again later.'),
      'POST /api/payees': () =>
        problem('payee-exists', 409, 'You saved this account as a payee already.', [{ field: 'account', message: 'is one of your payees already' }]),
    })
    const { wrapper } = await mountPage(PayeesPage, '/payees', customer)
    await fillNew(wrapper, 'Bob Byrne', ACCOUNT_B)
    await button(wrapper, 'Check name').trigger('click')
    await flushPromises()
    await button(wrapper, 'Save payee').trigger('click')
    await flushPromises()
    expect(wrapper.text()).toContain('is one of your payees already')
    await fillNew(wrapper, 'Rob Byrne', ACCOUNT_B)
    await button(wrapper, 'Check name').trigger('click')
    await flushPromises()
    expect(wrapper.get('[role="alert"]').text()).toContain('Too many name checks')
  })

  it('deletes only after confirmation, marks trusted and renames', async () => {
    let list = [bob]
    const server = fakeApi({
      'GET /api/payees': () => json({ items: list }),
      'PATCH /api/payees/p1': (request: RecordedRequest) => {
        list = [{ ...bob, ...(request.body as object) }]
        return json(list[0])
      },
      'DELETE /api/payees/p1': () => {
        list = []
        return new Response(null, { status: 204 })
      },
    })
    const { wrapper } = await mountPage(PayeesPage, '/payees', customer)
    expect(wrapper.get('[data-testid="payee"]').text()).toContain('Not paid yet')
    expect(wrapper.get('a[href="/transfer?payee=p1"]').text()).toBe('Pay')

    await wrapper.get('[data-testid="payee"] input[type="checkbox"]').setValue(true)
    await flushPromises()
    expect(server.sent('PATCH', '/api/payees/p1')[0]!.body).toEqual({ trusted: true })

    await button(wrapper, 'Edit').trigger('click')
    await wrapper.get('[data-testid="payee"] input[type="text"]').setValue('Bob B.')
    await button(wrapper, 'Save changes').trigger('click')
    await flushPromises()
    expect(server.sent('PATCH', '/api/payees/p1')[1]!.body).toEqual({ name: 'Bob B.', reference: 'Rent' })

    await button(wrapper, 'Delete').trigger('click')
    expect(server.sent('DELETE', '/api/payees/p1')).toHaveLength(0)
    expect(wrapper.get('[role="alertdialog"]').text()).toContain('Your history keeps every transfer to them.')
    await button(wrapper, 'Yes, delete Bob B.').trigger('click')
    await flushPromises()
    expect(server.sent('DELETE', '/api/payees/p1')).toHaveLength(1)
    expect(wrapper.findAll('[data-testid="payee"]')).toHaveLength(0)
  })
  it('marks a payee trusted after the customer confirms it is them, and not when they cancel', async () => {
    let list = [bob]
    let fresh = false
    const server = fakeApi({
      'GET /api/payees': () => json({ items: list }),
      'PATCH /api/payees/p1': (request: RecordedRequest) => {
        if (!fresh) return problem('sca-required', 403, 'Confirm it is you with your second factor first.')
        list = [{ ...bob, ...(request.body as object) }]
        return json(list[0])
      },
      'POST /api/auth/step-up': () => json({ challenge_id: 'su-2', methods: ['totp'], passkey_options: null }),
      'POST /api/auth/step-up/confirm': () => {
        fresh = true
        return new Response(null, { status: 204 })
      },
    })
    const { wrapper } = await mountPage(PayeesPage, '/payees', customer)
    await wrapper.get('[data-testid="payee"] input[type="checkbox"]').setValue(true)
    await flushPromises()
    expect(wrapper.get('[role="dialog"]').text()).toContain('Marking a payee trusted needs')
    await button(wrapper, 'Cancel').trigger('click')
    await flushPromises()
    expect(wrapper.find('[role="dialog"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="payee"] input[type="checkbox"]').element).toHaveProperty('checked', false)

    await wrapper.get('[data-testid="payee"] input[type="checkbox"]').setValue(true)
    await flushPromises()
    await wrapper.get('[role="dialog"] input').setValue('654321')
    await wrapper.get('[role="dialog"] form').trigger('submit')
    await flushPromises()
    expect(server.sent('PATCH', '/api/payees/p1').map((r) => r.body)).toEqual([{ trusted: true }, { trusted: true }, { trusted: true }])
    expect(wrapper.get('[data-testid="payee"] input[type="checkbox"]').element).toHaveProperty('checked', true)
    expect(wrapper.text()).toContain('Bob Byrne is marked trusted.')
  })
})
