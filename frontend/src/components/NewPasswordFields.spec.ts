import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { defineComponent, h, reactive, ref } from 'vue'
import ErrorSummary from '@/components/ErrorSummary.vue'
import { useFieldErrors } from '@/composables/useFieldErrors'
import NewPasswordFields from './NewPasswordFields.vue'

/** A form around the fields, as each page has one: its own useFieldErrors and error summary. */
function formWith(props: Record<string, unknown> = {}, names: readonly string[] = ['new_password', 'new_password_confirmation']) {
  const state = reactive({ password: '', confirmation: '' })
  const fields = ref<InstanceType<typeof NewPasswordFields> | null>(null)
  let errors: Record<string, string | null> = {}
  const Host = defineComponent({
    setup() {
      errors = useFieldErrors(names).errors
      return () => [
        h(ErrorSummary),
        h(NewPasswordFields, {
          ref: fields,
          ...props,
          password: state.password,
          'onUpdate:password': (value: string) => (state.password = value),
          confirmation: state.confirmation,
          'onUpdate:confirmation': (value: string) => (state.confirmation = value),
        }),
      ]
    },
  })
  const wrapper = mount(Host, { attachTo: document.body })
  return { wrapper, state, errors: () => errors, validate: () => fields.value!.validate() }
}

const inputs = (wrapper: ReturnType<typeof mount>) => wrapper.findAll('input')

describe('new password and its confirmation', () => {
  it('says the policy before anyone types, with labels a person reads', () => {
    const { wrapper } = formWith()
    expect(wrapper.findAll('label').map((l) => l.text())).toEqual(['New password *', 'Repeat the new password *'])
    expect(wrapper.text()).toContain('8 to 128 characters, with at least one letter and one digit.')
    expect(inputs(wrapper).map((i) => i.attributes('autocomplete'))).toEqual(['new-password', 'new-password'])
    expect(inputs(wrapper).map((i) => i.attributes('type'))).toEqual(['password', 'password'])
    wrapper.unmount()
  })

  it('refuses a short, digitless or letterless password and a confirmation that differs, at each field', async () => {
    const { wrapper, errors, validate } = formWith()
    const [password, confirmation] = inputs(wrapper)
    for (const [typed, message] of [
      ['short1', 'Use at least 8 characters.'],
      ['no-digits-here', 'Include at least one digit.'],
      ['12345678', 'Include at least one letter.'],
    ] as const) {
      await password!.setValue(typed)
      expect(validate()).toBe(false)
      expect(errors().new_password).toBe(message)
    }
    await password!.setValue('Fresh-passphrase-42')
    await confirmation!.setValue('Fresh-passphrase-43')
    expect(validate()).toBe(false)
    expect(errors()).toEqual({ new_password: null, new_password_confirmation: 'The two passwords do not match.' })
    await wrapper.vm.$nextTick()
    expect(password!.attributes('aria-invalid')).toBeUndefined()
    expect(confirmation!.attributes('aria-invalid')).toBe('true')
    expect(wrapper.text()).toContain('The two passwords do not match.')

    await confirmation!.setValue('Fresh-passphrase-42')
    expect(validate()).toBe(true)
    expect(errors()).toEqual({ new_password: null, new_password_confirmation: null })
    wrapper.unmount()
  })

  it('refuses the current password as the new one when it is given', async () => {
    const { wrapper, errors, validate, state } = formWith({ differentFrom: 'Old-passphrase-1' })
    await inputs(wrapper)[0]!.setValue('Old-passphrase-1')
    await inputs(wrapper)[1]!.setValue('Old-passphrase-1')
    expect(state).toEqual({ password: 'Old-passphrase-1', confirmation: 'Old-passphrase-1' })
    expect(validate()).toBe(false)
    expect(errors().new_password).toBe('Choose a password different from your current one.')
    wrapper.unmount()
  })

  it('files its messages under the names the form gives (registration says password, password_confirmation)', async () => {
    const { wrapper, errors, validate } = formWith({ name: 'password', label: 'Password', confirmationLabel: 'Repeat the password' },
      ['password', 'password_confirmation'])
    expect(wrapper.findAll('label').map((l) => l.text())).toEqual(['Password *', 'Repeat the password *'])
    await inputs(wrapper)[0]!.setValue('Fresh-passphrase-42')
    expect(validate()).toBe(false)
    expect(errors()).toEqual({ password: null, password_confirmation: 'The two passwords do not match.' })
    expect(inputs(wrapper).map((i) => i.attributes('name'))).toEqual(['password', 'password_confirmation'])
    wrapper.unmount()
  })
})
