import { flushPromises } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import { fakeApi, json, problem } from '@/test/fakeApi'
import { mountPage } from '@/test/mountPage'
import RegisterPage from './RegisterPage.vue'

async function fill(wrapper: Awaited<ReturnType<typeof mountPage>>['wrapper'], values: Record<string, string>) {
  for (const [label, value] of Object.entries(values)) {
    const id = wrapper.findAll('label').find((l) => l.text().replace(' *', '') === label)!.attributes('for')
    await wrapper.get(`#${id}`).setValue(value)
  }
}

const valid = {
  Username: 'aoife',
  'Full name': 'Aoife Byrne',
  Email: 'aoife@example.com',
  Password: 'secret123',
  'Repeat the password': 'secret123',
}

describe('register page', () => {
  it('every control has a label', async () => {
    fakeApi({})
    const { wrapper } = await mountPage(RegisterPage, '/register', null)
    for (const control of wrapper.findAll('input, select')) {
      expect(wrapper.find(`label[for="${control.attributes('id')}"]`).exists()).toBe(true)
    }
  })

  it('checks the password rules before sending', async () => {
    const server = fakeApi({})
    const { wrapper } = await mountPage(RegisterPage, '/register', null)
    await fill(wrapper, { ...valid, Password: 'abcdefgh', 'Repeat the password': 'abcdefgx' })
    await wrapper.get('form').trigger('submit')
    expect(wrapper.text()).toContain('Include at least one digit.')
    expect(wrapper.text()).toContain('The two passwords do not match.')
    expect(server.requests).toHaveLength(0)
  })

  it('shows the server’s field errors next to their field', async () => {
    fakeApi({ 'POST /api/auth/register': () => problem('validation-error', 422, '', [{ field: 'body.username', message: 'Use letters and digits only.' }]) })
    const { wrapper } = await mountPage(RegisterPage, '/register', null)
    await fill(wrapper, valid)
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    const usernameInput = wrapper.get('input[autocomplete="username"]')
    expect(usernameInput.attributes('aria-invalid')).toBe('true')
    const describedBy = usernameInput.attributes('aria-describedby')!
    expect(wrapper.get(`#${describedBy}`).text()).toBe('Use letters and digits only.')
  })

  it('sends the form and goes to sign in', async () => {
    const server = fakeApi({ 'POST /api/auth/register': () => json({ user: {}, account: {} }, 201) })
    const { wrapper, router } = await mountPage(RegisterPage, '/register', null)
    await fill(wrapper, valid)
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(server.requests[0]!.body).toEqual({
      username: 'aoife',
      full_name: 'Aoife Byrne',
      email: 'aoife@example.com',
      country: 'IE',
      password: 'secret123',
      password_confirmation: 'secret123',
    })
    // The sign-in page is a lazy chunk: the navigation finishes once it has loaded.
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('sign-in'))
    expect(router.currentRoute.value.query).toMatchObject({ registered: '1', username: 'aoife' })
  })

  it.each([
    ['username-taken', 'username', 'That username is taken'],
    ['email-taken', 'email', 'An account with this email already exists'],
  ])('a 409 %s (no field list) is shown at the %s field, not only above the form', async (slug, field, message) => {
    fakeApi({ 'POST /api/auth/register': () => problem(slug, 409, 'Taken.') })
    const { wrapper } = await mountPage(RegisterPage, '/register', null)
    await fill(wrapper, valid)
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    const input = wrapper.get(`input[name="${field}"]`)
    expect(input.attributes('aria-invalid')).toBe('true')
    expect(wrapper.get(`#${input.attributes('aria-describedby')}`).text()).toContain(message)
  })

  it('when both username and email are taken, both fields say so', async () => {
    fakeApi({
      'POST /api/auth/register': () =>
        problem('username-taken', 409, 'Taken.', [
          { field: 'username', message: 'is taken: pick another' },
          { field: 'email', message: 'is registered already' },
        ]),
    })
    const { wrapper } = await mountPage(RegisterPage, '/register', null)
    await fill(wrapper, valid)
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('input[name="username"]').attributes('aria-invalid')).toBe('true')
    expect(wrapper.get('input[name="email"]').attributes('aria-invalid')).toBe('true')
    const links = wrapper.get('[data-testid="error-summary"]').findAll('a').map((a) => a.text())
    // The API's messages are fragments ("is taken: pick another"): the page words its own.
    expect(links).toEqual(['That username is taken. Choose another.', 'An account with this email already exists. Sign in instead, or use another email.'])
  })

  it('after a failed submit, focus moves to an error summary whose links lead to each field', async () => {
    fakeApi({})
    const { wrapper } = await mountPage(RegisterPage, '/register', null)
    await fill(wrapper, { ...valid, Email: 'not-an-email', Password: 'short' })
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    const summary = wrapper.get('[data-testid="error-summary"]')
    expect(summary.attributes('role')).toBe('alert')
    expect(summary.attributes('aria-live')).toBe('assertive')
    expect(document.activeElement).toBe(summary.element)
    const emailLink = summary.findAll('a').find((a) => a.text().startsWith('Enter an email address'))!
    const email = wrapper.get('input[name="email"]')
    expect(emailLink.attributes('href')).toBe(`#${email.attributes('id')}`)
    await emailLink.trigger('click')
    expect(document.activeElement).toBe(email.element)
  })
})
