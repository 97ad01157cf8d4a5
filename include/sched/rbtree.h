/* SPDX-License-Identifier: MIT */
/*
 * sched/rbtree.h - intrusive red-black tree with an optional augmentation callback.
 *
 * Used for sleeper timeouts and by tree-based classes (EEVDF). The caller embeds a
 * struct sched_rb_node and supplies the comparison by walking the tree itself (insert
 * takes the parent and side it found), so the tree code knows nothing about keys.
 *
 * Augmentation: if `augment` is set it is called on a node whenever its subtree may have
 * changed, children first, so a node can cache a summary of its subtree (minimum vruntime,
 * say). It returns true if the summary changed: propagation towards the root stops at the
 * first node whose summary is unchanged (nothing above can change then). O(log n).
 */
#ifndef SCHED_RBTREE_H
#define SCHED_RBTREE_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sched_rb_node {
	struct sched_rb_node *parent, *left, *right;
	bool red;
};

struct sched_rb_tree {
	struct sched_rb_node *root;
	struct sched_rb_node *leftmost; /* cached minimum, NULL when empty */
	bool (*augment)(struct sched_rb_node *n);
};

#define sched_rb_entry(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* Link `n` as the `left`/right child of `parent` (NULL for an empty tree), then rebalance. */
void sched_rb_insert(struct sched_rb_tree *t, struct sched_rb_node *n,
		     struct sched_rb_node *parent, bool left);
void sched_rb_erase(struct sched_rb_tree *t, struct sched_rb_node *n);

/*
 * The insert descent every ordered tree needs: link `n` where `less` puts it (equal keys
 * after the ones already there: first come first), then rebalance. Inline, so a constant
 * `less` is inlined into the descent. O(log n).
 */
static inline void sched_rb_add(struct sched_rb_tree *t, struct sched_rb_node *n,
				bool (*less)(const struct sched_rb_node *a,
					     const struct sched_rb_node *b))
{
	struct sched_rb_node **link = &t->root, *parent = NULL;
	bool left = false;

	while (*link) {
		parent = *link;
		left = less(n, parent);
		link = left ? &parent->left : &parent->right;
	}
	sched_rb_insert(t, n, parent, left);
}
struct sched_rb_node *sched_rb_next(const struct sched_rb_node *n);

/*
 * For invariant checkers: true if the tree is a valid red-black tree (parent links, no red
 * node with a red parent, equal black heights, black root), `leftmost` is its first node, and
 * every cached summary is current (the augment callback finds nothing to change).
 * O(n), recursion depth O(log n).
 */
bool sched_rb_valid(struct sched_rb_tree *t);

#ifdef __cplusplus
}
#endif

#endif
