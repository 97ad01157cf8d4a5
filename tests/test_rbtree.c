/* SPDX-License-Identifier: MIT */
/*
 * test_rbtree.c - the red-black tree against a sorted-array model under random inserts and
 * erases: in-order walk, cached leftmost, red-black rules, and an augmented subtree minimum.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sched/rbtree.h>

#define N 512

struct item {
	struct sched_rb_node node;
	uint64_t key, val, sub_min; /* sub_min: the smallest val in the subtree (augmented) */
	int in;
};

static struct item items[N];

static struct item *of(struct sched_rb_node *n)
{
	return sched_rb_entry(n, struct item, node);
}

static bool augment(struct sched_rb_node *n)
{
	struct item *it = of(n);
	uint64_t m = it->val;

	if (n->left && of(n->left)->sub_min < m)
		m = of(n->left)->sub_min;
	if (n->right && of(n->right)->sub_min < m)
		m = of(n->right)->sub_min;
	if (m == it->sub_min)
		return false;
	it->sub_min = m;
	return true;
}

static void insert(struct sched_rb_tree *t, struct item *it)
{
	struct sched_rb_node **link = &t->root, *parent = NULL;
	bool left = false;

	while (*link) {
		parent = *link;
		left = it->key < of(parent)->key;
		link = left ? &parent->left : &parent->right;
	}
	sched_rb_insert(t, &it->node, parent, left);
	it->in = 1;
}

/* Returns the black height, checking colours, parents and the augmented minimum. */
static int verify(struct sched_rb_node *n, struct sched_rb_node *parent)
{
	int l, r;
	uint64_t m;

	if (!n)
		return 1;
	assert_ptr_equal(n->parent, parent);
	if (n->red && parent)
		assert_false(parent->red);
	l = verify(n->left, n);
	r = verify(n->right, n);
	assert_int_equal(l, r);
	m = of(n)->val;
	if (n->left && of(n->left)->sub_min < m)
		m = of(n->left)->sub_min;
	if (n->right && of(n->right)->sub_min < m)
		m = of(n->right)->sub_min;
	assert_int_equal(of(n)->sub_min, m);
	return l + !n->red;
}

static void tree_matches_a_sorted_model_under_random_inserts_and_erases(void **state)
{
	struct sched_rb_tree t = { .augment = augment };
	uint64_t rng = 42;

	(void)state;
	for (int step = 0; step < 200000; step++) {
		struct item *it;
		uint64_t prev_key = 0, min_val = UINT64_MAX, count = 0, model = 0;

		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		it = &items[(rng >> 33) % N];
		if (it->in) {
			sched_rb_erase(&t, &it->node);
			it->in = 0;
		} else {
			it->key = (rng >> 13) % 1000; /* duplicates on purpose */
			it->val = (rng >> 23) % 100000;
			insert(&t, it);
		}
		if (step % 97)
			continue;
		assert_false(t.root && t.root->red);
		verify(t.root, NULL);
		for (struct sched_rb_node *n = t.leftmost; n; n = sched_rb_next(n), count++) {
			assert_true(of(n)->key >= prev_key);
			prev_key = of(n)->key;
		}
		for (int i = 0; i < N; i++) {
			model += items[i].in;
			if (items[i].in && items[i].val < min_val)
				min_val = items[i].val;
		}
		assert_int_equal(count, model);
		if (t.root)
			assert_int_equal(of(t.root)->sub_min, min_val);
		else
			assert_null(t.leftmost);
	}
}

static void validity_check_catches_broken_colours_links_and_summaries(void **state)
{
	struct sched_rb_tree t = { .augment = augment };
	struct sched_rb_node *n;

	(void)state;
	for (int i = 0; i < 64; i++) {
		items[i] = (struct item){ .key = (uint64_t)i * 7 % 64, .val = (uint64_t)i };
		insert(&t, &items[i]);
	}
	assert_true(sched_rb_valid(&t));
	n = t.root->left;
	n->red = !n->red; /* a colour flip breaks the black heights or the red rule */
	assert_false(sched_rb_valid(&t));
	n->red = !n->red;
	assert_true(sched_rb_valid(&t));
	of(t.leftmost)->sub_min += 1000; /* a stale summary */
	assert_false(sched_rb_valid(&t));
	assert_true(sched_rb_valid(&t)); /* the check recomputed it */
	t.leftmost = sched_rb_next(t.leftmost);
	assert_false(sched_rb_valid(&t));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tree_matches_a_sorted_model_under_random_inserts_and_erases),
		cmocka_unit_test(validity_check_catches_broken_colours_links_and_summaries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
