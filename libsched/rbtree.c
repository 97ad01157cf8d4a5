/* SPDX-License-Identifier: MIT */
/*
 * rbtree.c - intrusive red-black tree (CLRS algorithm, NULL leaves) with augmentation.
 *
 * Augmentation invariant: a node's cached summary depends only on its own key and its
 * children's summaries. A rotation keeps the set of nodes below the rotated pair, so it
 * recomputes just those two (lower first). An insert or erase changes the sets along one
 * path, so that path is recomputed *before* the rebalancing rotations, upwards until a
 * node's summary comes out unchanged (then no ancestor's can change).
 */
#include <sched/rbtree.h>

static void augment(struct sched_rb_tree *t, struct sched_rb_node *n)
{
	if (t->augment)
		t->augment(n);
}

/*
 * Recompute from n upwards, stopping after the first node whose summary is unchanged.
 * Nodes up to and including `force` never stop the walk: their cached summary may describe
 * another position (a new leaf, or the successor that took an erased node's place, whose
 * parent cached the erased node's summary), so the comparison is only meaningful above.
 */
static void propagate(struct sched_rb_tree *t, struct sched_rb_node *n,
		      const struct sched_rb_node *force)
{
	bool forced = force != NULL;

	if (!t->augment)
		return;
	for (; n; n = n->parent) {
		bool changed = t->augment(n);

		if (forced) {
			forced = n != force;
			continue;
		}
		if (!changed)
			return;
	}
}


static void replace_child(struct sched_rb_tree *t, struct sched_rb_node *parent,
			  struct sched_rb_node *old, struct sched_rb_node *new)
{
	if (!parent)
		t->root = new;
	else if (parent->left == old)
		parent->left = new;
	else
		parent->right = new;
}

/*      x                y
 *     / \              / \
 *    a   y     =>     x   c
 *       / \          / \
 *      b   c        a   b
 */
static void rotate_left(struct sched_rb_tree *t, struct sched_rb_node *x)
{
	struct sched_rb_node *y = x->right;

	x->right = y->left;
	if (y->left)
		y->left->parent = x;
	y->parent = x->parent;
	replace_child(t, x->parent, x, y);
	y->left = x;
	x->parent = y;
	augment(t, x);
	augment(t, y);
}

static void rotate_right(struct sched_rb_tree *t, struct sched_rb_node *x)
{
	struct sched_rb_node *y = x->left;

	x->left = y->right;
	if (y->right)
		y->right->parent = x;
	y->parent = x->parent;
	replace_child(t, x->parent, x, y);
	y->right = x;
	x->parent = y;
	augment(t, x);
	augment(t, y);
}

static bool is_red(const struct sched_rb_node *n)
{
	return n && n->red;
}

static void insert_fixup(struct sched_rb_tree *t, struct sched_rb_node *n)
{
	struct sched_rb_node *p, *g, *u;

	while ((p = n->parent) && p->red) {
		g = p->parent; /* exists: a red node is never the root */
		bool p_left = (p == g->left);

		u = p_left ? g->right : g->left;
		if (is_red(u)) {
			p->red = u->red = false;
			g->red = true;
			n = g;
			continue;
		}
		if (n == (p_left ? p->right : p->left)) {
			if (p_left)
				rotate_left(t, p);
			else
				rotate_right(t, p);
			n = p;
			p = n->parent;
		}
		p->red = false;
		g->red = true;
		if (p_left)
			rotate_right(t, g);
		else
			rotate_left(t, g);
	}
	t->root->red = false;
}

void sched_rb_insert(struct sched_rb_tree *t, struct sched_rb_node *n,
		     struct sched_rb_node *parent, bool left)
{
	n->parent = parent;
	n->left = n->right = NULL;
	n->red = true;
	if (!parent)
		t->root = n;
	else if (left)
		parent->left = n;
	else
		parent->right = n;
	if (!t->leftmost || (parent == t->leftmost && left))
		t->leftmost = n;
	propagate(t, n, n); /* the new leaf's own summary is always computed */
	insert_fixup(t, n);
}

/* x (possibly NULL) replaced a removed black node under parent p: restore black heights. */
static void erase_fixup(struct sched_rb_tree *t, struct sched_rb_node *x,
			struct sched_rb_node *p)
{
	while (x != t->root && !is_red(x)) {
		bool x_left = (x == p->left);
		struct sched_rb_node *w = x_left ? p->right : p->left; /* non-NULL: heights */

		if (w->red) {
			w->red = false;
			p->red = true;
			if (x_left)
				rotate_left(t, p);
			else
				rotate_right(t, p);
			w = x_left ? p->right : p->left;
		}
		if (!is_red(w->left) && !is_red(w->right)) {
			w->red = true;
			x = p;
			p = x->parent;
			continue;
		}
		if (x_left && !is_red(w->right)) {
			w->left->red = false;
			w->red = true;
			rotate_right(t, w);
			w = p->right;
		} else if (!x_left && !is_red(w->left)) {
			w->right->red = false;
			w->red = true;
			rotate_left(t, w);
			w = p->left;
		}
		w->red = p->red;
		p->red = false;
		if (x_left) {
			w->right->red = false;
			rotate_left(t, p);
		} else {
			w->left->red = false;
			rotate_right(t, p);
		}
		x = t->root;
		break;
	}
	if (x)
		x->red = false;
}

void sched_rb_erase(struct sched_rb_tree *t, struct sched_rb_node *z)
{
	struct sched_rb_node *y = z, *x, *xp;
	bool removed_red;

	if (t->leftmost == z)
		t->leftmost = sched_rb_next(z);
	if (z->left && z->right)
		for (y = z->right; y->left; y = y->left)
			;
	/* y has at most one child x; splice y out, then let y take z's place. */
	x = y->left ? y->left : y->right;
	xp = y->parent;
	removed_red = y->red;
	if (x)
		x->parent = y->parent;
	replace_child(t, y->parent, y, x);
	if (y != z) {
		if (xp == z)
			xp = y;
		y->left = z->left;
		y->right = z->right;
		y->parent = z->parent;
		y->red = z->red;
		replace_child(t, z->parent, z, y);
		if (y->left)
			y->left->parent = y;
		if (y->right)
			y->right->parent = y;
	}
	propagate(t, xp, y != z ? y : NULL); /* y took z's place: recompute up to it */
	if (!removed_red)
		erase_fixup(t, x, xp);
	z->parent = z->left = z->right = NULL;
}

struct sched_rb_node *sched_rb_next(const struct sched_rb_node *n)
{
	const struct sched_rb_node *p;

	if (n->right) {
		for (n = n->right; n->left; n = n->left)
			;
		return (struct sched_rb_node *)n;
	}
	for (p = n->parent; p && n == p->right; p = n->parent)
		n = p;
	return (struct sched_rb_node *)p;
}

/* Black height of the subtree, or -1 if a rule is broken or a summary is stale. */
static int black_height(struct sched_rb_tree *t, struct sched_rb_node *n,
			const struct sched_rb_node *parent)
{
	int l, r;

	if (!n)
		return 1;
	if (n->parent != parent || (n->red && parent && parent->red))
		return -1;
	l = black_height(t, n->left, n);
	r = black_height(t, n->right, n);
	if (l < 0 || l != r || (t->augment && t->augment(n)))
		return -1;
	return l + !n->red;
}

bool sched_rb_valid(struct sched_rb_tree *t)
{
	struct sched_rb_node *first = t->root;

	while (first && first->left)
		first = first->left;
	return first == t->leftmost && (!t->root || !t->root->red) &&
	       black_height(t, t->root, NULL) > 0;
}
