import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { ref } from 'vue'
import type { Transaction } from '@/api/types'
import type { KeysetList } from '@/composables/useKeysetList'
import { ACCOUNT_A, ACCOUNT_B } from '@/test/fakeApi'
import TransactionList from './TransactionList.vue'

const entry = (counterparty_name: string | null): Transaction => ({
  id: 't1', account: ACCOUNT_A, counterparty_account: ACCOUNT_B, counterparty_name, amount: '2.00', currency: 'EUR',
  description: 'Rent', direction: 'debit', kind: 'transfer', created_at: '2026-01-02T10:00:00Z',
})
const listOf = (items: Transaction[]) =>
  ({ items: ref(items), loading: ref(false), error: ref(null), hasMore: ref(false), loadMore: () => {} }) as unknown as KeysetList<Transaction>

describe('transaction list', () => {
  it('shows the payee’s name beside the counterparty account the viewer saved as a payee', () => {
    const wrapper = mount(TransactionList, { props: { list: listOf([entry('Bob Byrne')]), caption: 'History' } })
    expect(wrapper.get('[data-testid="transaction-counterparty"]').text()).toBe('Bob Byrne IE86 IEBK 0000 0000 0000 02')
  })

  it('shows the number alone when it is no payee, and one’s own account’s name before a payee’s', () => {
    const plain = mount(TransactionList, { props: { list: listOf([entry(null)]), caption: 'History' } })
    expect(plain.get('[data-testid="transaction-counterparty"]').text()).toBe('IE86 IEBK 0000 0000 0000 02')
    const own = mount(TransactionList, {
      props: { list: listOf([entry('Me')]), caption: 'History', accountNames: new Map([[ACCOUNT_B, 'Savings']]) },
    })
    expect(own.get('[data-testid="transaction-counterparty"]').text()).toBe('Savings IE86 IEBK 0000 0000 0000 02')
  })
})
