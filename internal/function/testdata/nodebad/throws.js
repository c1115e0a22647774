throw new Error('init exploded');
