import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import PayeeVerification from './PayeeVerification.vue'

const shown = (result: 'match' | 'close_match' | 'no_match' | 'not_possible', name?: string, offerName = true) =>
  mount(PayeeVerification, { props: { verification: { result, ...(name ? { name } : {}) }, typedName: 'J. Murphy', offerName } })

describe('Verification of Payee result', () => {
  it('says plainly that a matching name matches', () => {
    expect(shown('match').text()).toContain('Name checked: it matches.')
  })

  it('shows the holder’s name on a close match and offers to use it', async () => {
    const wrapper = shown('close_match', 'John Murphy')
    expect(wrapper.get('[data-testid="holder-name"]').text()).toBe('John Murphy')
    expect(wrapper.text()).toContain('not “J. Murphy”')
    await wrapper.get('button').trigger('click')
    expect(wrapper.emitted('useName')).toEqual([['John Murphy']])
  })

  it('does not offer the name where it would change nothing (the review step)', () => {
    expect(shown('close_match', 'John Murphy', false).find('button').exists()).toBe(false)
  })

  it('says what paying after no match risks: someone else, and maybe not recoverable', () => {
    const text = shown('no_match').text()
    expect(text).toContain('does not match')
    expect(text).toContain('the money may go to someone other than the person you mean')
    expect(text).toContain('you may not get it back')
  })

  it('says when the name could not be checked', () => {
    expect(shown('not_possible').text()).toContain('We could not check the name.')
  })
})
