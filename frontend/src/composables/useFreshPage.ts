import { readonly, ref } from 'vue'

// Bumped each time a person follows a header link. App.vue keys the page by it, so "Send money"
// after "Money sent" (or "Cash deposit" after a deposit) opens an empty form, even when the link
// points at the page already shown, instead of the finished one.
const visits = ref(0)

export function useFreshPage() {
  return {
    visits: readonly(visits),
    fresh: () => {
      visits.value++
    },
  }
}
